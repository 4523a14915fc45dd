"""The proxy's upstream client against a scripted HTTP/1.1 server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from streetlevel.gateway import upstream as upstream_module
from streetlevel.gateway.upstream import UpstreamBroken, UpstreamClosed, UpstreamPool

Script = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]
"""Answers one request (its head and body as read); returns False to close the connection."""


@dataclass
class Server:
    """A loopback server that reads whole requests and answers them with a script."""

    script: Script
    url: str = ""
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                if not await self.script(request, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def serving(script: Script) -> AsyncIterator[Server]:
    server = Server(script)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()


def ok(body: bytes, *extra: bytes) -> Script:
    async def script(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        headers = b"".join(h + b"\r\n" for h in extra)
        head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n" % (len(body), headers)
        writer.write(head + body)
        await writer.drain()
        return b"connection: close" not in extra

    return script


async def fetch(pool: UpstreamPool, method: str = "GET", target: bytes = b"/x") -> bytes:
    response = await pool.request(method, target, [], b"", read_timeout_s=2)
    try:
        return await response.read()
    finally:
        response.release()


async def test_a_kept_alive_connection_serves_the_next_request() -> None:
    async with serving(ok(b"hello")) as server:
        pool = UpstreamPool(server.url)
        assert await fetch(pool) == b"hello"
        assert await fetch(pool) == b"hello"
        await pool.close()
    assert server.connections == 1
    assert len(server.requests) == 2


async def test_the_request_carries_method_target_headers_host_and_body_length() -> None:
    async with serving(ok(b"{}")) as server:
        pool = UpstreamPool(server.url)
        response = await pool.request(
            "POST",
            b"/v1/things?a=1&b=%20",
            [(b"x-request-id", b"r1"), (b"content-length", b"999")],
            b'{"k": 1}',
            read_timeout_s=2,
        )
        await response.read()
        response.release()
        await fetch(pool)
        await pool.close()
    post, get = server.requests
    assert post.startswith(b"POST /v1/things?a=1&b=%20 HTTP/1.1\r\n")
    assert b"x-request-id: r1\r\n" in post
    assert post.count(b"content-length") == 1  # the client's claim is replaced by the real one
    assert b"content-length: 8\r\n" in post
    assert post.endswith(b'\r\n\r\n{"k": 1}')
    assert b"host: 127.0.0.1:" in post  # added when the caller sent none
    assert b"content-length" not in get  # a bodiless GET declares no body


async def test_a_chunked_response_streams_decoded_and_pauses_reading_when_unread() -> None:
    piece = b"x" * 65536

    async def chunked(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for _ in range(32):  # 2 MiB, well past the high-water mark
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async with serving(chunked) as server:
        pool = UpstreamPool(server.url)
        response = await pool.request("GET", b"/big", [], b"", read_timeout_s=2)
        conn = response._conn
        assert conn is not None
        for _ in range(200):  # let the server write ahead while nothing is read
            await asyncio.sleep(0.005)
            if conn._paused:
                break
        assert conn._paused, "reading should pause above the high-water mark"
        assert conn._buffered <= upstream_module.HIGH_WATER + 65536 * 2
        body = await response.read()
        response.release()
        assert body == piece * 32
        assert await fetch(pool, target=b"/big") == piece * 32  # the connection is reusable
        await pool.close()
    assert server.connections == 1


async def test_a_connection_the_server_closed_while_idle_is_reported_as_reused() -> None:
    async with serving(ok(b"once")) as server:
        pool = UpstreamPool(server.url)
        assert await fetch(pool) == b"once"
        conn = pool._idle[-1]
        assert conn.transport is not None
        # Lost, but the loss is delivered on a later turn of the loop: the pool cannot know.
        conn.transport.abort()
        with pytest.raises(UpstreamClosed) as caught:
            await fetch(pool)
        assert caught.value.reused
        assert await fetch(pool) == b"once"  # a fresh connection works
        await pool.close()


async def test_an_idle_connection_past_its_age_is_not_reused() -> None:
    async with serving(ok(b"a")) as server:
        pool = UpstreamPool(server.url, max_idle_s=0.0)
        await fetch(pool)
        await fetch(pool)
        await pool.close()
    assert server.connections == 2


async def test_connection_close_from_the_server_is_honoured() -> None:
    async with serving(ok(b"bye", b"connection: close")) as server:
        pool = UpstreamPool(server.url)
        assert await fetch(pool) == b"bye"
        assert await fetch(pool) == b"bye"
        await pool.close()
    assert server.connections == 2


async def test_a_refused_connection_is_upstream_closed_not_reused() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    pool = UpstreamPool(f"http://127.0.0.1:{port}")
    with pytest.raises(UpstreamClosed) as caught:
        await fetch(pool)
    assert not caught.value.reused


async def test_an_upstream_that_never_answers_times_out() -> None:
    async def silent(_request: bytes, _writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.5)
        return False

    async with serving(silent) as server:
        pool = UpstreamPool(server.url)
        with pytest.raises(TimeoutError):
            await pool.request("GET", b"/", [], b"", read_timeout_s=0.05)
        await pool.close()


async def test_a_response_cut_off_mid_body_is_broken() -> None:
    async def truncated(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part")
        await writer.drain()
        return False

    async with serving(truncated) as server:
        pool = UpstreamPool(server.url)
        response = await pool.request("GET", b"/", [], b"", read_timeout_s=2)
        with pytest.raises(UpstreamBroken):
            await response.read()
        response.release()
        assert pool._idle == []
        await pool.close()


async def test_garbage_instead_of_http_is_an_error() -> None:
    async def garbage(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"SSH-2.0-OpenSSH\r\n\r\n")
        await writer.drain()
        return True

    async with serving(garbage) as server:
        pool = UpstreamPool(server.url)
        with pytest.raises(ConnectionError):
            await fetch(pool)
        await pool.close()


async def test_a_head_response_ends_at_its_head_and_the_socket_is_not_reused() -> None:
    async def head(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n")
        await writer.drain()
        return True

    async with serving(head) as server:
        pool = UpstreamPool(server.url)
        assert await fetch(pool, "HEAD") == b""
        assert pool._idle == []
        await pool.close()


async def test_no_content_and_not_modified_have_no_body_and_keep_the_connection() -> None:
    statuses = iter([b"204 No Content", b"304 Not Modified"])

    async def empty(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b'HTTP/1.1 %s\r\netag: "1"\r\n\r\n' % next(statuses))
        await writer.drain()
        return True

    async with serving(empty) as server:
        pool = UpstreamPool(server.url)
        for status in (204, 304):
            response = await pool.request("GET", b"/", [], b"", read_timeout_s=2)
            assert response.status == status
            assert (b"etag", b'"1"') in response.headers
            assert await response.read() == b""
            response.release()
        await pool.close()
    assert server.connections == 1


async def test_a_response_released_before_its_end_closes_its_connection() -> None:
    async def partial(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf-")
        await writer.drain()
        await asyncio.sleep(0.5)
        return False

    async with serving(partial) as server:
        pool = UpstreamPool(server.url)
        response = await pool.request("GET", b"/", [], b"", read_timeout_s=2)
        response.release()  # e.g. the caller went away mid-download
        assert pool._idle == []
        await pool.close()
    assert server.connections == 1


async def test_a_whole_response_left_unread_still_frees_its_connection() -> None:
    async with serving(ok(b"z" * 10)) as server:
        pool = UpstreamPool(server.url)
        response = await pool.request("GET", b"/", [], b"", read_timeout_s=2)
        response.release()
        assert await fetch(pool) == b"z" * 10  # its unread bytes are not served again
        await pool.close()
    assert server.connections == 1


async def test_the_pool_never_opens_more_than_its_limit() -> None:
    gate = asyncio.Event()

    async def slow(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        await gate.wait()
        return await ok(b"k")(_request, writer)

    async with serving(slow) as server:
        pool = UpstreamPool(server.url, limit=2)
        tasks = [asyncio.create_task(fetch(pool)) for _ in range(5)]
        await asyncio.sleep(0.05)
        assert server.connections == 2
        gate.set()
        assert await asyncio.gather(*tasks) == [b"k"] * 5
        await pool.close()
    assert server.connections == 2


def test_only_http_urls_make_a_pool() -> None:
    with pytest.raises(ValueError, match="http"):
        UpstreamPool("ftp://example.org")
