"""The proxy's client: keep-alive HTTP/1.1 connections to one upstream, parsed by httptools.

A general HTTP client (aiohttp) spent ~0.11 ms of CPU per proxied GET here, against ~0.02 ms
for a protocol that only writes the request bytes and feeds the response to llhttp (measured
side by side, bench/ and docs/benchmarks.md). The proxy needs little of a general client: one
origin per pool, request bodies already buffered (the edge caps them), responses streamed back
with flow control. Everything else (routing, retries, the breaker, problems) stays in proxy.py.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools

#: Response bytes buffered per connection before it stops reading from the upstream socket.
HIGH_WATER = 256 * 1024
#: A kept-alive connection idle longer than this is closed rather than reused: uvicorn drops
#: idle connections after 5 s, and a request written onto a closing socket would be lost.
MAX_IDLE_S = 2.0


class UpstreamClosed(ConnectionError):
    """The upstream could not be reached, or closed the connection before answering.

    ``reused`` says the connection had served earlier requests: the upstream most likely
    closed it as idle just as this request went out, which says nothing about its health.
    """

    reused = False


class UpstreamBroken(ConnectionError):
    """The upstream's response stopped half way or could not be parsed."""


@dataclass(frozen=True, slots=True)
class Head:
    status: int
    headers: list[tuple[bytes, bytes]]


class _Connection(asyncio.Protocol):
    """One socket to the upstream; one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.idle_since = 0.0
        self._headers: list[tuple[bytes, bytes]] = []
        self._head: asyncio.Future[Head] | None = None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self.complete = False
        self.keep_alive = False
        self.closed = False
        self._error: BaseException | None = None
        # One lazy timer per connection, not one per wait: asyncio.timeout cost ~3 % of the
        # gateway's CPU per proxied request (a handle scheduled and cancelled each time).
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"bad response from upstream: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            if self._head is not None and not self._head.done():
                self._fail(UpstreamClosed("the upstream closed the connection before answering"))
            else:
                self._fail(UpstreamBroken("the upstream closed the connection mid-response"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        if self._head is not None and not self._head.done():
            self._head.set_result(Head(self.parser.get_status_code(), self._headers))

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _arm(self, timeout_s: float) -> None:
        self._deadline = self.loop.time() + timeout_s
        if self._timer is None:
            self._timer = self.loop.call_at(self._deadline, self._on_timer)

    def _on_timer(self) -> None:
        """Fail the wait if its deadline passed; otherwise wait on for the current deadline."""
        self._timer = None
        deadline = self._deadline
        if deadline is None or self.closed:
            return
        # The loop runs handles up to its clock resolution early.
        if self.loop.time() + 0.001 >= deadline:
            self._deadline = None
            self._fail(TimeoutError())
        else:
            self._timer = self.loop.call_at(deadline, self._on_timer)

    def _fail(self, exc: BaseException) -> None:
        self._error = exc
        if self._head is not None and not self._head.done():
            self._head.set_exception(exc)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    # the pool's side
    async def send(self, data: bytes, timeout_s: float) -> Head:
        assert self.transport is not None
        self._headers = []
        self._chunks.clear()
        self._buffered = 0
        self.complete = self.keep_alive = False
        self._error = None
        self._head = self.loop.create_future()
        self.transport.write(data)
        self._arm(timeout_s)
        try:
            return await self._head
        finally:
            self._deadline = None

    async def read(self, timeout_s: float) -> bytes | None:
        """The next piece of the body; None once the response is complete."""
        while not self._chunks:
            if self.complete:
                return None
            if self._error is not None:
                raise self._error
            self._waiter = self.loop.create_future()
            self._arm(timeout_s)
            try:
                await self._waiter
            finally:
                self._deadline = None
            self._waiter = None
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._paused and self._buffered <= HIGH_WATER // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    def end_without_body(self) -> None:
        """A HEAD response: the parser cannot know no body follows, so the socket is not reused."""
        self.complete = True
        self.keep_alive = False

    @property
    def has_data(self) -> bool:
        return bool(self._chunks)

    def close(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.transport is not None:
            self.transport.close()


class Response:
    """An upstream response; the body is read with ``chunks`` and ``release`` ends it."""

    def __init__(self, pool: UpstreamPool, conn: _Connection, head: Head, timeout_s: float):
        self.status = head.status
        self.headers = head.headers
        self._pool = pool
        self._conn: _Connection | None = conn
        self._timeout_s = timeout_s

    @property
    def finished(self) -> bool:
        """True once the whole body has arrived and been read."""
        conn = self._conn
        return conn is not None and conn.complete and not conn.has_data

    def whole(self) -> bytes | None:
        """The whole body if it has all arrived (the common case), else None: stream it."""
        conn = self._conn
        if conn is None or not conn.complete or conn._paused:
            return None
        chunks = conn._chunks
        body = b"".join(chunks) if len(chunks) != 1 else chunks[0]
        chunks.clear()
        conn._buffered = 0
        return body

    async def chunks(self) -> AsyncIterator[bytes]:
        conn = self._conn
        assert conn is not None
        while (chunk := await conn.read(self._timeout_s)) is not None:
            yield chunk

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    def release(self) -> None:
        """Back to the pool if the response was read to its end, otherwise closed."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._pool.put_back(conn)


class UpstreamPool:
    """Keep-alive connections to the origin of ``url`` (at most ``limit`` at once)."""

    def __init__(
        self,
        url: str,
        *,
        limit: int = 200,
        connect_timeout_s: float = 2.0,
        max_idle_s: float = MAX_IDLE_S,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream URL must be http(s)://host[:port], not {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl: ssl.SSLContext | None = (
            ssl.create_default_context() if parts.scheme == "https" else None
        )
        self.authority = parts.netloc.encode()
        self.connect_timeout_s = connect_timeout_s
        self.max_idle_s = max_idle_s
        self._slots = asyncio.Semaphore(limit)
        self._idle: list[_Connection] = []
        self._closed = False

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        read_timeout_s: float,
        fresh: bool = False,
    ) -> Response:
        """Send one request; returns once the response head arrived (the body streams after).

        Raises ``UpstreamClosed`` when nothing was answered (safe to retry an idempotent
        request) and ``TimeoutError`` when the upstream is too slow.
        """
        await self._slots.acquire()
        conn = None if fresh else self._reuse()
        reused = conn is not None
        try:
            if conn is None:
                conn = await self._connect()
            head = await conn.send(self._encode(method, target, headers, body), read_timeout_s)
            if method == "HEAD":
                conn.end_without_body()
        except BaseException as exc:
            self._slots.release()
            if conn is not None:
                conn.close()
            if isinstance(exc, UpstreamClosed):
                exc.reused = reused
            raise
        return Response(self, conn, head, read_timeout_s)

    def put_back(self, conn: _Connection) -> None:
        self._slots.release()
        if conn.complete and conn.keep_alive and not conn.closed and not self._closed:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        else:
            conn.close()

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _reuse(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()  # the most recently used is the least likely to be closed
            if not conn.closed and now - conn.idle_since < self.max_idle_s:
                return conn
            conn.close()
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                _transport, conn = await loop.create_connection(
                    lambda: _Connection(loop), self.host, self.port, ssl=self.ssl
                )
        except OSError as exc:
            raise UpstreamClosed(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return conn

    def _encode(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> bytes:
        lines = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        has_host = False
        for name, value in headers:
            if name == b"content-length":
                continue  # the body was read whole: its real length is set below
            if name == b"host":
                has_host = True
            lines += [name, b": ", value, b"\r\n"]
        if not has_host:
            lines += [b"host: ", self.authority, b"\r\n"]
        if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            lines += [b"content-length: ", str(len(body)).encode(), b"\r\n"]
        lines += [b"\r\n", body]
        return b"".join(lines)
