"""The shared HTTP layer: HEAD, OPTIONS, 405 with Allow, ETags and 304, gzip, auth first."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import MetaData
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from streetlevel.common.auth import Principal
from streetlevel.common.authfirst import AuthFirst, WriteRules
from streetlevel.common.errors import Unauthorized
from streetlevel.common.http import HttpMiddleware, accepts_gzip, compressible
from streetlevel.common.outbox import outbox_table
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app, requires
from streetlevel.common.settings import CommonSettings

BIG = (
    b'{"items":['
    + b",".join(b'{"n":%d,"name":"a row of open data"}' % i for i in range(200))
    + b"]}"
)
SMALL = b'{"n":1}'
PROBLEMS = "https://streetlevel.org/problems/"
NDJSON = [(b"content-type", b"application/x-ndjson")]


class Note(BaseModel):
    text: str


def _router(generated: list[int]) -> APIRouter:
    router = APIRouter()

    @router.get("/big")
    async def big() -> Response:
        return Response(BIG, media_type="application/json")

    @router.get("/small")
    async def small() -> Response:
        return Response(SMALL, media_type="application/json")

    @router.get("/tagged")
    async def tagged() -> Response:
        return Response(BIG, media_type="application/json", headers={"ETag": '"v3"'})

    @router.post("/tagged")
    async def post_tagged(note: Note) -> dict[str, str]:
        return {"text": note.text}

    @router.delete("/tagged")
    async def delete_tagged() -> None:
        return None

    @router.get("/export")
    async def export() -> StreamingResponse:
        async def rows() -> AsyncIterator[bytes]:
            for i in range(2000):
                generated.append(i)
                yield b'{"row":%d,"name":"open data, one line each"}\n' % i
                await asyncio.sleep(0)

        return StreamingResponse(rows(), media_type="application/x-ndjson")

    @router.get("/events")
    async def events() -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            for i in range(50):
                yield b"id: %d\ndata: %s\n\n" % (i, b"x" * 100)

        return StreamingResponse(stream(), media_type="text/event-stream")

    @router.get("/forever")
    async def forever() -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            while True:
                yield b"data: tick\n\n"
                await asyncio.sleep(0.01)

        return StreamingResponse(stream(), media_type="text/event-stream")

    @router.get("/precoded")
    async def precoded() -> Response:
        return Response(
            gzip.compress(BIG),
            media_type="application/json",
            headers={"Content-Encoding": "gzip"},
        )

    return router


@pytest.fixture
async def shell(tmp_path: Path) -> AsyncIterator[tuple[httpx2.AsyncClient, list[int]]]:
    generated: list[int] = []
    settings = CommonSettings(
        service_name="http", database_url=f"sqlite+aiosqlite:///{tmp_path}/http.db"
    )
    runtime = Runtime(settings, outbox=outbox_table(MetaData()))
    app = build_service_app(runtime, title="http", description="t", routers=[_router(generated)])
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, generated


def _hex(i: int, j: int) -> bytes:
    return hashlib.sha256(b"%d-%d" % (i, j)).hexdigest().encode()


def _raw(**headers: str) -> dict[str, str]:
    """Headers with an explicit Accept-Encoding (httpx would otherwise send its own)."""
    return {"Accept-Encoding": "identity", **headers}


async def test_head_answers_with_the_headers_of_get_and_no_body(shell) -> None:
    client, _ = shell
    for path in ("/big", "/small", "/tagged"):
        for coding in ("identity", "gzip"):
            got = await client.get(path, headers={"Accept-Encoding": coding})
            head = await client.head(path, headers={"Accept-Encoding": coding})
            assert head.status_code == got.status_code == 200
            assert head.content == b""
            for name in ("content-length", "content-type", "etag", "vary", "content-encoding"):
                assert head.headers.get(name) == got.headers.get(name), (path, coding, name)


async def test_head_on_a_stream_stops_it_once_the_headers_are_out(shell) -> None:
    client, generated = shell
    head = await asyncio.wait_for(client.head("/export", headers=_raw()), timeout=5)
    assert head.status_code == 200
    assert head.headers["content-type"] == "application/x-ndjson"
    assert head.content == b""
    assert len(generated) < 2000  # the export did not run to its end for nobody
    sse = await asyncio.wait_for(client.head("/forever"), timeout=5)  # an endless stream
    assert sse.status_code == 200
    assert sse.content == b""


async def test_options_lists_every_method_of_the_path(shell) -> None:
    client, _ = shell
    response = await client.options("/tagged")
    assert response.status_code == 204
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, POST"
    assert (await client.options("/nowhere")).status_code == 404


async def test_a_wrong_method_is_405_with_the_complete_allow_and_its_own_type(shell) -> None:
    client, _ = shell
    response = await client.put("/tagged", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, POST"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEMS + "method-not-allowed"
    head = await client.head("/nowhere")
    assert head.status_code == 404


async def test_a_get_without_an_etag_gets_the_digest_of_its_body_and_304s(shell) -> None:
    client, _ = shell
    first = await client.get("/small", headers=_raw())
    tag = first.headers["etag"]
    assert tag.startswith('"')
    assert len(tag) == 34
    again = await client.get("/small", headers=_raw(**{"If-None-Match": tag}))
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert "content-type" not in again.headers
    assert (await client.get("/small", headers={"If-None-Match": '"other"'})).status_code == 200
    for header in ("*", f'"x", W/{tag}'):  # any tag, and the weak comparison
        assert (await client.get("/small", headers={"If-None-Match": header})).status_code == 304


async def test_a_route_tag_is_kept_and_304s_gzipped_or_not(shell) -> None:
    client, _ = shell
    plain = await client.get("/tagged", headers=_raw())
    packed = await client.get("/tagged", headers={"Accept-Encoding": "gzip"})
    assert plain.headers["etag"] == packed.headers["etag"] == '"v3"'
    cached = await client.get(
        "/tagged", headers={"Accept-Encoding": "gzip", "If-None-Match": '"v3"'}
    )
    assert cached.status_code == 304
    assert "Accept-Encoding" in cached.headers["vary"]
    head = await client.head("/tagged", headers={"If-None-Match": '"v3"'})
    assert head.status_code == 304


async def test_gzip_above_a_kilobyte_when_accepted(shell) -> None:
    client, _ = shell
    packed = await client.get("/big", headers={"Accept-Encoding": "br;q=1, gzip;q=0.5"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == BIG  # httpx decodes it
    assert int(packed.headers["content-length"]) < len(BIG) / 3
    assert packed.headers["vary"] == "Accept-Encoding, Authorization"
    plain = await client.get("/big", headers=_raw())
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding, Authorization"
    refused = await client.get("/big", headers={"Accept-Encoding": "gzip;q=0, *"})
    assert "content-encoding" not in refused.headers
    small = await client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


async def test_a_stream_is_gzipped_chunk_by_chunk() -> None:
    async def export(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": NDJSON})
        for i in range(20):
            chunk = b"".join(b'{"row":%d,"h":"%s"}\n' % (i, _hex(i, j)) for j in range(2000))
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    sent, receive, send, scope = _gzip_get()
    await HttpMiddleware(export)(scope, receive, send)
    headers = dict(sent[0]["headers"])
    assert headers[b"content-encoding"] == b"gzip"
    assert b"content-length" not in headers
    bodies = [m["body"] for m in sent[1:]]
    assert len(bodies) > 10  # the compressed stream flows as the rows do, never held whole
    assert max(len(b) for b in bodies) < 2000 * 80  # no more than one input chunk at a time
    lines = zlib.decompress(b"".join(bodies), 31).splitlines()
    assert len(lines) == 40_000
    assert lines[-1] == b'{"row":19,"h":"%s"}' % _hex(19, 1999)


async def test_server_sent_events_and_coded_bodies_are_never_compressed(shell) -> None:
    client, _ = shell
    events = await client.get("/events", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in events.headers
    assert events.text.count("data: ") == 50
    precoded = await client.get("/precoded", headers={"Accept-Encoding": "gzip"})
    assert precoded.headers["content-encoding"] == "gzip"
    assert precoded.content == BIG  # compressed once, by whoever made the body


def test_accept_encoding_is_negotiated_with_q_values() -> None:
    assert accepts_gzip(b"gzip, deflate, br")
    assert accepts_gzip(b"*")
    assert accepts_gzip(b"GZIP;q=0.1")
    assert not accepts_gzip(b"identity")
    assert not accepts_gzip(b"gzip;q=0")
    assert not accepts_gzip(b"*;q=0")
    assert not accepts_gzip(b"gzip;q=0, *;q=1")
    assert not accepts_gzip(b"")
    assert not compressible(b"text/event-stream; charset=utf-8")
    assert compressible(b"text/csv; charset=utf-8")
    assert compressible(b"application/problem+json")
    assert not compressible(b"image/png")


def _auth_app() -> AuthFirst:
    router = APIRouter()

    @router.post("/things")
    async def create(note: Note) -> dict[str, str]:
        return {"text": note.text}

    @router.get("/things")
    async def read() -> dict[str, str]:
        return {"ok": "yes"}

    @router.post("/token")
    async def token() -> dict[str, str]:
        return {"token": "t"}

    from fastapi import FastAPI

    from streetlevel.common.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)

    async def verify(authorization: str | None) -> Principal:
        if authorization is None:
            return Principal()
        if authorization == "Bearer writer":
            return Principal(client_id="w", kind="council", scopes=frozenset({"x:write"}))
        if authorization == "Bearer reader":
            return Principal(client_id="r", kind="app")
        raise Unauthorized("The bearer token is not valid.")

    rules = WriteRules({("POST", "/things"): ["x:write", "admin"]}, open_paths=("/token",))
    return AuthFirst(app, verify=verify, rules=rules)


@pytest.mark.parametrize("body", [{"wrong": 1}, "not json at all"])
async def test_a_protected_write_is_401_then_403_before_any_422(body: object) -> None:
    transport = httpx2.ASGITransport(app=_auth_app())
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:

        async def post(auth: str | None) -> httpx2.Response:
            headers = {"Authorization": auth} if auth else {}
            if isinstance(body, str):
                return await client.post("/things", content=body, headers=headers)
            return await client.post("/things", json=body, headers=headers)

        anonymous, forged, scopeless, writer = [
            await post(a) for a in (None, "Bearer forged", "Bearer reader", "Bearer writer")
        ]
    assert (anonymous.status_code, forged.status_code) == (401, 401)
    assert anonymous.json()["type"] == PROBLEMS + "unauthorized"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert scopeless.status_code == 403
    assert "'admin' or 'x:write'" in scopeless.json()["detail"]
    assert writer.status_code == 422


async def test_reads_and_open_writes_pass_without_a_token() -> None:
    transport = httpx2.ASGITransport(app=_auth_app())
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/things")).status_code == 200
        assert (await client.post("/token")).status_code == 200


async def test_event_stream_headers_leave_before_the_first_event() -> None:
    release = asyncio.Event()

    async def feed(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await release.wait()  # no event yet: the client must already have its headers
        await send({"type": "http.response.body", "body": b"data: x\n\n", "more_body": False})

    sent, receive, send, scope = _gzip_get()
    task = asyncio.create_task(HttpMiddleware(feed)(scope, receive, send))
    await asyncio.sleep(0.05)
    assert [m["type"] for m in sent] == ["http.response.start"]
    release.set()
    await task
    assert sent[1]["body"] == b"data: x\n\n"
    assert b"content-encoding" not in dict(sent[0]["headers"])


def test_write_rules_default_to_the_routes_own_requires_declarations() -> None:
    app = FastAPI()

    @app.post("/things/{thing_id}", dependencies=[requires("x:write", "admin")])
    async def change(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @app.post("/mine", dependencies=[requires()])
    async def mine() -> dict[str, str]:
        return {}

    @app.post("/open")
    async def open_write() -> dict[str, str]:
        return {}

    rules = WriteRules(routes=lambda: app.router.routes)
    assert rules.scopes_for("POST", "/things/7") == {"x:write", "admin"}
    assert rules.scopes_for("POST", "/mine") == frozenset()  # any valid token
    assert rules.scopes_for("POST", "/open") is None  # the route serves anyone
    assert rules.scopes_for("GET", "/things/7") is None  # reads are the route's own business
    assert rules.scopes_for("DELETE", "/things/7") is None  # 405 from the app, not 401


def test_write_rules_need_routes_or_a_table() -> None:
    with pytest.raises(ValueError, match="routes"):
        WriteRules()


def _gzip_get() -> tuple[list[Message], Receive, Send, Scope]:
    """A GET accepting gzip, and the ASGI messages the app under test sends back."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", b"gzip")],
    }
    return sent, receive, send, scope
