"""HTTP done once for every app: HEAD, OPTIONS, ETags with 304, and gzip (docs/http.md)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streetlevel.common.etags import digest_tag, none_match

#: Media types worth compressing (JSON, NDJSON, CSV, HTML, text); SSE never is.
_COMPRESSIBLE = (b"application/json", b"application/problem+json", b"application/x-ndjson")
_KNOWN_TYPES: dict[bytes, bool] = {}
_KNOWN_CODINGS: dict[bytes, bool] = {}
_NOT_MODIFIED_DROPS = frozenset({b"content-type", b"content-length", b"content-encoding"})
_CODING_DROPS = frozenset({b"content-length", b"vary"})
#: Stream chunks from this size are compressed in a worker thread (zlib releases the GIL), so
#: the event loop reads the next chunk (an export's COPY) while this one is compressed.
THREAD_BYTES = 32 * 1024


@dataclass(frozen=True, slots=True)
class Compression:
    """When and how hard to gzip."""

    min_bytes: int = 1024
    level: int = 6
    stream_level: int = 1


def compressible(content_type: bytes) -> bool:
    """Text and JSON media types, never ``text/event-stream`` (it must flow event by event)."""
    known = _KNOWN_TYPES.get(content_type)
    if known is None:
        media = content_type.split(b";", 1)[0].strip().lower()
        known = media != b"text/event-stream" and (
            media.startswith(b"text/") or media in _COMPRESSIBLE or media.endswith(b"+json")
        )
        if len(_KNOWN_TYPES) < 256:  # the apps' own few types; never grows with requests
            _KNOWN_TYPES[content_type] = known
    return known


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether ``Accept-Encoding`` admits gzip (explicitly or by ``*``) with q > 0."""
    known = _KNOWN_CODINGS.get(accept_encoding)
    if known is None:
        known = _accepts_gzip(accept_encoding)
        if len(_KNOWN_CODINGS) < 256:  # clients send a handful of distinct values
            _KNOWN_CODINGS[accept_encoding] = known
    return known


def _accepts_gzip(accept_encoding: bytes) -> bool:
    explicit: float | None = None
    anything: float | None = None
    for item in accept_encoding.lower().split(b","):
        coding, _, params = item.strip().partition(b";")
        q = 1.0
        for param in params.split(b";"):
            key, _, value = param.strip().partition(b"=")
            if key == b"q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        coding = coding.strip()
        if coding in (b"gzip", b"x-gzip"):
            explicit = q
        elif coding == b"*":
            anything = q
    if explicit is not None:
        return explicit > 0
    return anything is not None and anything > 0


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    for route in routes:
        yield route
        nested = getattr(route, "effective_candidates", None)  # FastAPI's included routers
        if callable(nested):
            yield from _routes(nested())
        inner = getattr(route, "routes", None)
        if isinstance(inner, list):
            yield from _routes(inner)


def allowed_methods(routes: Iterable[Any], path: str) -> list[str]:
    """Every method some route serves at ``path``, with HEAD for GET and OPTIONS; [] if none."""
    methods: set[str] = set()
    for route in _routes(routes):
        regex, served = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and served and regex.match(path):
            methods.update(served)
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return sorted(methods)


def _with_vary(headers: list[tuple[bytes, bytes]], token: bytes) -> list[tuple[bytes, bytes]]:
    values = [v for k, v in headers if k == b"vary"]
    if any(token.lower() in v.lower() for v in values):
        return headers
    merged = b", ".join([*values, token])
    return [(k, v) for k, v in headers if k != b"vary"] + [(b"vary", merged)]


class HttpMiddleware:
    """Pure ASGI, around one app (a service, or the gateway's own routes).

    - ``HEAD``: the app answers a GET; the same status and headers go out without the body,
      and a stream is stopped once its headers are out.
    - ``OPTIONS`` (not a CORS preflight, which the edge answers): 204 with ``Allow``.
    - GET 200 without an ``ETag`` and with a whole body gets the body's digest tag, and any
      GET whose tag ``If-None-Match`` names becomes a 304.
    - gzip when ``Accept-Encoding`` admits it: whole bodies from ``min_bytes``, streams chunk by
      chunk in constant memory; ``Vary: Accept-Encoding`` on every compressible response. A
      body that already has a ``Content-Encoding`` (a proxied one) passes unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Callable[[], Iterable[Any]] | None = None,
        compression: Compression | None = None,
    ) -> None:
        self.app = app
        self.routes = routes
        self.compression = compression or Compression()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS" and self.routes is not None:
            allow = allowed_methods(self.routes(), scope["path"])
            if allow:
                await _options(send, ", ".join(allow).encode())
                return
        gzip = False
        inm = None
        for key, value in scope["headers"]:
            if key == b"accept-encoding":
                gzip = accepts_gzip(value)
            elif key == b"if-none-match":
                inm = value.decode("latin-1")
        reply = _Reply(send, self.compression, gzip=gzip, inm=inm, done=None)
        reply.conditional = method in ("GET", "HEAD")
        if method != "HEAD":
            await self.app(scope, receive, reply.send)
            return
        # The app serves the GET. ASGI 2.3 makes a streaming response listen for a
        # disconnect, which ``_head_receive`` reports once the headers are out.
        reply.done = asyncio.Event()
        asgi = {**scope.get("asgi", {}), "spec_version": "2.3"}
        inner = {**scope, "method": "GET", "asgi": asgi, "streetlevel.method": "HEAD"}
        try:
            await self.app(inner, _head_receive(receive, reply.done), reply.send)
        finally:
            if "route" in inner:  # for the edge's metrics and access log
                scope["route"] = inner["route"]


class _Reply:
    """The response side of one request: holds the start until the first body message."""

    __slots__ = ("_c", "_send", "conditional", "done", "gzip", "inm", "quiet", "start", "zip")

    def __init__(
        self, send: Send, c: Compression, *, gzip: bool, inm: str | None, done: asyncio.Event | None
    ) -> None:
        self._send = send
        self._c = c
        self.gzip = gzip
        self.inm = inm
        self.done = done
        self.conditional = False
        self.start: Message | None = None
        self.zip: Any = None
        self.quiet = False  # HEAD or 304: nothing more goes out

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            for key, value in message.get("headers", ()):
                if key == b"content-type" and value.startswith(b"text/event-stream"):
                    await self._events(message)  # never held back, never compressed
                    return
            self.start = message
            return
        if kind != "http.response.body":
            if self.start is not None:
                start, self.start = self.start, None
                await self._send(start)
            await self._send(message)
            return
        if self.start is not None:
            start, self.start = self.start, None
            await self._first(start, message)
            return
        if self.quiet:
            return
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if self.zip is not None:
            if len(body) >= THREAD_BYTES:
                body = await asyncio.to_thread(self.zip.compress, body)
            else:
                body = self.zip.compress(body)
            if not more:
                body += self.zip.flush()
            elif not body:
                return  # nothing new out of the compressor yet
        await self._send({"type": "http.response.body", "body": body, "more_body": more})

    async def _first(self, start: Message, message: Message) -> None:
        status: int = start["status"]
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", ()))
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        ctype = tag = coded = None
        varies = False
        for key, value in headers:
            if key == b"content-type":
                ctype = value
            elif key == b"etag":
                tag = value
            elif key == b"content-encoding":
                coded = value
            elif key == b"vary":
                varies = True
        if self.conditional and status == 200:
            if tag is None and not more and body:
                tag = digest_tag(body).encode()
                headers.append((b"etag", tag))
            if self.inm is not None and tag is not None and none_match(self.inm, tag.decode()):
                await self._not_modified(start, headers, ctype)
                return
        if ctype is not None and coded is None and compressible(ctype):
            if varies:
                headers = _with_vary(headers, b"Accept-Encoding")
            else:
                headers.append((b"vary", b"Accept-Encoding"))
            if self.gzip and status >= 200 and status not in (204, 304):
                if not more:
                    if len(body) >= self._c.min_bytes:
                        packed = zlib.compress(body, self._c.level, 31)
                        headers = _coded(headers, len(packed))
                        body = packed
                else:
                    self.zip = zlib.compressobj(self._c.stream_level, zlib.DEFLATED, 31)
                    headers = _coded(headers, None)
                    body = self.zip.compress(body)
        await self._send({**start, "headers": headers})
        if self.done is not None:  # HEAD: the headers of the GET, and no body
            self.quiet = True
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})
            self.done.set()
            return
        await self._send({"type": "http.response.body", "body": body, "more_body": more})

    async def _events(self, start: Message) -> None:
        await self._send(start)
        if self.done is not None:
            self.quiet = True
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})
            self.done.set()

    async def _not_modified(
        self, start: Message, headers: list[tuple[bytes, bytes]], ctype: bytes | None
    ) -> None:
        self.quiet = True
        kept = [(k, v) for k, v in headers if k not in _NOT_MODIFIED_DROPS]
        if ctype is not None and compressible(ctype):
            kept = _with_vary(kept, b"Accept-Encoding")
        await self._send({**start, "status": 304, "headers": kept})
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.done is not None:
            self.done.set()


def _coded(headers: list[tuple[bytes, bytes]], length: int | None) -> list[tuple[bytes, bytes]]:
    # The ETag stays: it names the resource's state, which a content coding does not change
    # (no Range requests are served, the one place where the bytes would matter; docs/http.md).
    vary = [(k, v) for k, v in headers if k == b"vary"]
    out = [(k, v) for k, v in headers if k not in _CODING_DROPS]
    out.append((b"content-encoding", b"gzip"))
    if length is not None:
        out.append((b"content-length", str(length).encode()))
    return out + vary


def _head_receive(receive: Receive, done: asyncio.Event) -> Receive:
    read = False

    async def wrapped() -> Message:
        nonlocal read
        if not read:
            message = await receive()
            read = not message.get("more_body", False)
            return message
        await done.wait()
        return {"type": "http.disconnect"}

    return wrapped


async def _options(send: Send, allow: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [(b"allow", allow), (b"cache-control", b"public, max-age=86400")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
