"""The gateway's ASGI edge: verify the token, limit the rate, then proxy or serve locally."""

from __future__ import annotations

import contextlib
import logging

from starlette.types import Receive, Scope, Send

from streetlevel.common.auth import ANONYMOUS, Principal, bearer_token
from streetlevel.common.authfirst import answer, refusal
from streetlevel.common.errors import Unauthorized
from streetlevel.common.problems import problem
from streetlevel.common.web import EdgeMiddleware
from streetlevel.gateway.headers import with_headers
from streetlevel.gateway.wiring import Gateway

log = logging.getLogger(__name__)

#: Probes and metrics are never rate limited.
UNLIMITED = frozenset({"/livez", "/readyz", "/metrics"})


class GatewayApp:
    """The pure-ASGI front: verify the token, limit the rate, then proxy or serve locally."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.gateway.startup()
                except Exception as exc:
                    log.exception("gateway start-up failed")
                    with contextlib.suppress(Exception):
                        await self.gateway.shutdown()
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.gateway.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        gw = self.gateway
        path: str = scope["path"]
        if path in UNLIMITED:
            await gw.local(scope, receive, send)
            return
        oauth = path == "/oauth/token"
        principal: Principal = ANONYMOUS
        refused: Unauthorized | None = None
        if not oauth:
            try:
                token = bearer_token(_header(scope, b"authorization"))
                if token is not None:
                    principal = await gw.verifier.verify(token)
            except Unauthorized as exc:
                refused = exc
        client = scope.get("client")
        verdict = await gw.limiter.hit(
            client_id=principal.client_id, ip=client[0] if client else "unknown", oauth=oauth
        )
        extra = verdict.headers()
        if not verdict.allowed:
            response = problem(429, "Rate limit exceeded; retry later.")
            await response(scope, receive, with_headers(send, extra))
            return
        if refused is not None:
            response = problem(401, refused.detail, headers=refused.headers())
            await response(scope, receive, with_headers(send, extra))
            return
        upstream = gw.proxy.match(path)
        if upstream is not None:
            # The proxy adds ``extra`` to the response itself: no wrapper on the hot path.
            observe = None
            if (
                principal.kind == "enterprise"
                and principal.enterprise_id is None
                and scope["method"] == "POST"
                and path.rstrip("/") == "/v1/enterprises"
            ):
                observe = gw.enterprise_binding(principal)
            await gw.proxy.forward(scope, receive, send, upstream, observe, extra)
            return
        limited = with_headers(send, extra)
        if gw.settings.http_edge:
            needed = gw.write_rules.scopes_for(scope["method"], path)
            denied = refusal(principal, needed) if needed is not None else None
            if denied is not None:
                await answer(denied, scope, receive, limited)
                return
        scope["state"] = {**scope.get("state", {}), "principal": principal}
        await gw.local(scope, receive, limited)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class GatewayEdge(EdgeMiddleware):
    """The whole gateway behind the edge middleware; ``.gateway`` for the CLI and tests."""

    def __init__(self, gateway: Gateway) -> None:
        super().__init__(
            GatewayApp(gateway),
            service=gateway.settings.service_name,
            max_body_bytes=gateway.settings.max_body_bytes,
        )
        self.gateway = gateway
