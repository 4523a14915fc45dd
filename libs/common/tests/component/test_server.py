"""The services' server protocol: one write per turn, and HTTP/1.1 behaves as with httptools."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import uvicorn

from streetlevel.common.server import JoinedHttpProtocol, JoinedWrites
from streetlevel.testing._proc import free_port


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_writes_in_one_turn_go_out_as_one() -> None:
    fake = FakeTransport()
    joined = JoinedWrites(fake, asyncio.get_running_loop())  # type: ignore[arg-type]
    joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
    joined.write(b"body")
    assert fake.writes == []
    await asyncio.sleep(0)
    assert fake.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    joined.write(b"more")
    await asyncio.sleep(0)
    assert fake.writes[1:] == [b"more"]
    assert joined.get_extra_info("peername") == "info:peername"


async def test_close_sends_what_is_pending_first() -> None:
    fake = FakeTransport()
    joined = JoinedWrites(fake, asyncio.get_running_loop())  # type: ignore[arg-type]
    joined.write(b"last")
    joined.close()
    assert fake.writes == [b"last"]
    assert fake.closed
    await asyncio.sleep(0)  # the scheduled flush finds nothing left to send
    assert fake.writes == [b"last"]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body) + 3).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok:" + body})


async def test_a_real_server_keeps_alive_streams_and_closes() -> None:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=JoinedHttpProtocol,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):  # up to 10 s on a loaded machine
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            first = await client.post("/echo", content=b"abc")
            second = await client.post("/echo", content=b"de")  # the same kept-alive connection
            streamed = await client.get("/stream")
            closing = await client.get("/echo", headers={"Connection": "close"})
        assert (first.status_code, first.text) == (200, "ok:abc")
        assert (second.status_code, second.text) == (200, "ok:de")
        assert streamed.headers["transfer-encoding"] == "chunked"
        assert streamed.text == "one,two,three"
        assert closing.text == "ok:"
        assert closing.headers["connection"] == "close"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
