"""The hot path: a lean pure-ASGI reverse proxy to each service, over HTTP or in-process.

Both transports share header handling, timeouts, the circuit breaker and the problem responses,
so the embedded mode behaves like the distributed one without the network.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streetlevel.common import tracing
from streetlevel.common.problems import problem
from streetlevel.gateway.breaker import CircuitBreaker
from streetlevel.gateway.headers import request_headers, response_headers, with_headers
from streetlevel.gateway.upstream import Response, UpstreamClosed, UpstreamPool

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Requests that only carry a body when they say so (Content-Length or Transfer-Encoding).
_USUALLY_BODYLESS = frozenset({"GET", "HEAD"})
_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})
#: The response broke off, or the upstream went quiet, after it had started.
BROKEN = (ConnectionError, OSError, TimeoutError)

Observer = Callable[[int, bytes], Awaitable[None]]


@dataclass
class Upstream:
    """One service: its prefixes and either a base URL or an in-process ASGI app."""

    name: str
    prefixes: tuple[str, ...]
    breaker: CircuitBreaker
    url: str | None = None
    app: ASGIApp | None = None
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 30.0
    route: Any = field(default=None)
    pool: UpstreamPool | None = field(default=None)

    def __post_init__(self) -> None:
        # The access log and metrics label proxied requests by service, not by raw path.
        self.route = _Route(f"/{self.name}/*")


@dataclass(frozen=True)
class _Route:
    path: str


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class _ClientGone(Exception):
    pass


class Proxy:
    """Routes ``/v1/<prefix>/…`` to the owning upstream."""

    def __init__(
        self,
        upstreams: list[Upstream],
        *,
        retries: int = 2,
        pool_size: int = 200,
        service: str = "gateway",
    ):
        self.upstreams = upstreams
        self.service = service
        self.retries = retries
        self.pool_size = pool_size
        self._routes = sorted(
            ((p, u) for u in upstreams for p in u.prefixes), key=lambda r: -len(r[0])
        )
        self.session: aiohttp.ClientSession | None = None

    def match(self, path: str) -> Upstream | None:
        for prefix, upstream in self._routes:
            if path == prefix or path.startswith(prefix + "/"):
                return upstream
        return None

    async def start(self) -> None:
        for upstream in self.upstreams:
            if upstream.url is not None and upstream.pool is None:
                upstream.pool = UpstreamPool(
                    upstream.url,
                    limit=self.pool_size,
                    connect_timeout_s=upstream.connect_timeout_s,
                )

    def client(self) -> aiohttp.ClientSession:
        """aiohttp for the control paths (OpenAPI and AsyncAPI documents), made at first use."""
        # Not at start: aiohttp (with the TLS contexts it builds on import) cost ~9 % of the
        # gateway's import time and ~7 MB of its idle memory; readiness uses the pools.
        if self.session is None:
            import aiohttp

            connector = aiohttp.TCPConnector(
                limit=self.pool_size, keepalive_timeout=30, ttl_dns_cache=300
            )
            self.session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self.session

    async def close(self) -> None:
        for upstream in self.upstreams:
            if upstream.pool is not None:
                await upstream.pool.close()
                upstream.pool = None
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: Upstream,
        observe: Observer | None = None,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Answer from ``upstream``, its response carrying ``extra`` headers (the rate limit's)."""
        scope["route"] = upstream.route
        extra = extra or []
        wait = upstream.breaker.retry_after()
        if wait is not None:
            await self._problem(
                scope,
                receive,
                with_headers(send, extra),
                503,
                f"The {upstream.name} service is unavailable.",
                wait,
            )
            return
        try:
            with tracing.span(self.service, f"proxy {upstream.name}", kind=tracing.CLIENT):
                if upstream.app is not None:
                    await self._forward_asgi(
                        scope, receive, with_headers(send, extra), upstream, observe
                    )
                else:
                    # The hot path adds the headers itself: one wrapper less per message.
                    await self._forward_http(scope, receive, send, upstream, observe, extra)
        except _ClientGone:
            upstream.breaker.success()

    async def _forward_asgi(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: Upstream,
        observe: Observer | None,
    ) -> None:
        assert upstream.app is not None
        child = dict(scope)
        child["headers"] = request_headers(scope, identity=observe is not None)
        started = False
        status = 0
        captured: list[bytes] = []

        async def child_send(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                deadline.reschedule(None)
                message = {**message, "headers": response_headers(message.get("headers", []))}
            elif observe is not None and message["type"] == "http.response.body":
                captured.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Act on the response (e.g. bind a client) before the caller sees its end.
                    await observe(status, b"".join(captured))
            await send(message)

        try:
            async with asyncio.timeout(upstream.read_timeout_s) as deadline:
                await upstream.app(child, receive, child_send)
        except TimeoutError:
            upstream.breaker.failure()
            if not started:
                await self._problem(
                    scope, receive, send, 504, f"The {upstream.name} service timed out.", 2
                )
            return
        except _ClientGone:
            raise
        except Exception:
            upstream.breaker.failure()
            log.exception("in-process upstream %s failed", upstream.name)
            if not started:
                await self._problem(
                    scope, receive, send, 502, f"The {upstream.name} service failed.", 2
                )
            return
        upstream.breaker.success()

    async def _forward_http(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: Upstream,
        observe: Observer | None,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        pool = upstream.pool
        assert pool is not None
        method: str = scope["method"]
        target: bytes = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers = request_headers(scope, identity=observe is not None)
        # The edge caps request bodies, so reading them whole costs little and lets an
        # idempotent request be sent again on a fresh connection.
        if method in _USUALLY_BODYLESS and not any(k in _BODY_HEADERS for k, _ in scope["headers"]):
            body = b""
        else:
            body = await _read_body(receive)
        attempts = 1 + (self.retries if method in IDEMPOTENT else 0)
        for attempt in range(attempts):
            try:
                response = await pool.request(
                    method,
                    target,
                    headers,
                    body,
                    read_timeout_s=upstream.read_timeout_s,
                    fresh=attempt > 0,
                )
            except UpstreamClosed as exc:
                if not exc.reused:
                    upstream.breaker.failure()
                if attempt + 1 < attempts and upstream.breaker.state == "closed":
                    if not exc.reused:
                        await asyncio.sleep(0.05 * (attempt + 1))
                    continue
                log.warning("upstream %s unreachable: %s", upstream.name, type(exc).__name__)
                await self._problem(
                    scope,
                    receive,
                    with_headers(send, extra),
                    502,
                    f"The {upstream.name} service is unreachable.",
                    2,
                )
                return
            except TimeoutError:
                upstream.breaker.failure()
                await self._problem(
                    scope,
                    receive,
                    with_headers(send, extra),
                    504,
                    f"The {upstream.name} service timed out.",
                    2,
                )
                return
            break
        try:
            await self._relay_response(response, send, upstream, observe, method == "HEAD", extra)
        finally:
            response.release()

    async def _relay_response(
        self,
        response: Response,
        send: Send,
        upstream: Upstream,
        observe: Observer | None,
        head_only: bool,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        headers = response_headers(response.headers)
        if extra:
            names = {name for name, _ in extra}
            headers = [h for h in headers if h[0] not in names] + extra
        start: Message = {
            "type": "http.response.start",
            "status": response.status,
            "headers": headers,
        }
        if head_only:
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            upstream.breaker.success()
            return
        whole = response.whole()
        if whole is not None:
            # The common case, a body that arrived with its head: no iterator, one write.
            await send(start)
            if observe is not None:
                await observe(response.status, whole)
            await send({"type": "http.response.body", "body": whole})
            upstream.breaker.success()
            return
        captured: list[bytes] = []
        try:
            body = response.chunks()
            first = await anext(body, b"")
            await send(start)
            if response.finished:
                # The common case, a body that arrived whole: one message, one write.
                if observe is not None:
                    await observe(response.status, first)
                await send({"type": "http.response.body", "body": first})
                upstream.breaker.success()
                return
            captured.append(first)
            await send({"type": "http.response.body", "body": first, "more_body": True})
            async for chunk in body:
                if observe is not None:
                    captured.append(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except BROKEN:
            upstream.breaker.failure()
            raise
        if observe is not None:
            # Act on the response (e.g. bind a client) before the caller sees its end.
            await observe(response.status, b"".join(captured))
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        upstream.breaker.success()

    async def _problem(
        self, scope: Scope, receive: Receive, send: Send, status: int, detail: str, retry: float
    ) -> None:
        response = problem(status, detail, headers={"Retry-After": str(math.ceil(retry))})
        await response(scope, receive, send)
