"""The gateway: identity, rate limits and routing in one lean ASGI app, its own routes on FastAPI.

``uvicorn --factory streetlevel.gateway.app:create_app`` runs it from the environment; in
embedded mode (``streetlevel serve``) every existing service is mounted in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from streetlevel.common.auth import ANONYMOUS, KeySource, Principal, TokenVerifier, bearer_token
from streetlevel.common.authfirst import WriteRules, answer, refusal
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock, ShiftedClock, SystemClock
from streetlevel.common.db import asyncpg_dsn, create_engine
from streetlevel.common.errors import Unauthorized
from streetlevel.common.http import Compression, HttpMiddleware
from streetlevel.common.lease import Lease, LocalLease, PostgresLease
from streetlevel.common.openapi import describe_routes
from streetlevel.common.problems import install_problem_handlers, problem
from streetlevel.common.service import health_router
from streetlevel.common.settings import load_settings
from streetlevel.common.web import EdgeMiddleware
from streetlevel.gateway.api import (
    routes_admin,
    routes_contract,
    routes_docs,
    routes_events,
    routes_front,
    routes_oauth,
)
from streetlevel.gateway.breaker import CircuitBreaker
from streetlevel.gateway.contract import EventCatalogue, service_source
from streetlevel.gateway.embedded import (
    GatedMemoryBus,
    ServiceSpec,
    mount_services,
    remote_services,
)
from streetlevel.gateway.feed import FeedReader, FeedWriter
from streetlevel.gateway.identity.clients import ClientStore
from streetlevel.gateway.identity.keys import KeyRing
from streetlevel.gateway.identity.tokens import TokenIssuer
from streetlevel.gateway.openapi import MergedOpenAPI
from streetlevel.gateway.proxy import Observer, Proxy, Upstream
from streetlevel.gateway.ratelimit import RateLimiter, Verdict
from streetlevel.gateway.settings import GatewaySettings, server_key
from streetlevel.gateway.site import embedded_site
from streetlevel.gateway.site import serves as serves_site

log = logging.getLogger(__name__)

#: The gateway's own routes (everything else under /v1 belongs to a service).
ROUTE_PREFIXES = ("/oauth", "/.well-known", "/v1/admin", "/v1/events")
UNLIMITED = frozenset({"/livez", "/readyz", "/metrics"})
DESCRIPTION = """The Street Level REST API: the enterprise register, commissioning and outcomes.

Get a token with `POST /oauth/token` (client credentials) and send it as `Authorization:
Bearer …`; open data needs no token. Errors are RFC 9457 problem+json. Every response carries
`RateLimit-*` headers. Events: `GET /v1/events`.
"""


class Gateway:
    """Holds the gateway's components for the life of the process."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        services: list[ServiceSpec] | None = None,
        memory_bus: MemoryBus | None = None,
        key_source: KeySource | None = None,
        clock: Clock | None = None,
        demo: bool = False,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        # Embedded services tell time by this one: the demo replays its history on it.
        self.service_clock = ShiftedClock(self.clock)
        self.demo = demo
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        key = server_key(settings)
        self.keys = KeyRing(
            self.engine,
            server_key=key,
            clock=self.clock,
            token_lifetime_s=settings.token_lifetime_s,
            publish_lead_s=settings.key_publish_lead_s,
            cache_s=settings.keys_cache_s,
        )
        self.clients = ClientStore(self.engine, server_key=key, clock=self.clock)
        self.issuer = TokenIssuer(
            clients=self.clients,
            keys=self.keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime_s=settings.token_lifetime_s,
        )
        self.verifier = TokenVerifier(
            key_source or self.keys.jwks,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            min_refresh_s=settings.jwks_min_refresh_s,
        )
        self.limiter = RateLimiter(
            anonymous=settings.rate_limit_anonymous,
            client=settings.rate_limit_client,
            oauth=settings.rate_limit_oauth,
            redis_url=settings.redis_url,
            quotas=self.clients.rate_limits,
        )
        self.bus: MemoryBus | None = None
        if settings.bus == "memory":
            self.bus = memory_bus or GatedMemoryBus()
        # Public site (services/web): mounted only with the services it mounts itself;
        # gateway/site.py is the one place the gateway knows the site.
        mounts_site = services is None and settings.mode == "embedded"
        if services is None:
            services = (
                mount_services(
                    settings,
                    memory_bus=self.bus,
                    key_source=self.keys.jwks,
                    clock=self.service_clock,
                    demo=demo,
                )
                if settings.mode == "embedded" and self.bus is not None
                else remote_services(settings)
            )
        self.services = services
        self.site: Any = embedded_site(settings, self) if mounts_site else None
        self.upstreams = [
            Upstream(
                name=s.name,
                prefixes=s.prefixes,
                url=s.url,
                app=s.app,
                breaker=CircuitBreaker(
                    failures=settings.breaker_failures, open_s=settings.breaker_open_s
                ),
                connect_timeout_s=settings.upstream_connect_timeout_s,
                read_timeout_s=settings.upstream_read_timeout_s,
            )
            for s in services
        ]
        self.proxy = Proxy(
            self.upstreams, retries=settings.upstream_retries, pool_size=settings.upstream_pool_size
        )
        self.feed = FeedReader(self.engine)
        lease: Lease = (
            LocalLease()
            if settings.is_sqlite
            else PostgresLease(asyncpg_dsn(settings.direct_url), name="gateway-feed")
        )
        self.writer = FeedWriter(settings, lease=lease, clock=self.clock, memory_bus=self.bus)
        self.api = self._build_api()
        #: The gateway's own routes behind the shared HTTP layer; proxied responses pass
        #: through as their service made them (compressed, tagged, HEAD) — never twice.
        self.local: Any = self.api
        if settings.http_edge:
            self.local = HttpMiddleware(
                self.api,
                routes=lambda: self.api.router.routes,
                compression=Compression(
                    settings.gzip_min_bytes, settings.gzip_level, settings.gzip_stream_level
                ),
            )
        # Auth before the body, from the routes' own declarations (as the OpenAPI's security).
        self.write_rules = WriteRules(routes=lambda: self.api.router.routes)
        self.openapi = MergedOpenAPI(
            lambda: describe_routes(self.api.openapi(), self.api.routes),
            {s.name: (s.prefixes, self._spec_source(s)) for s in services},
            cache_s=settings.openapi_cache_s,
        )
        self.contract = EventCatalogue(
            {s.name: service_source(s, settings.public_base_url, self._session) for s in services},
            base_url=settings.public_base_url,
            cache_s=settings.openapi_cache_s,
        )
        self._stack = contextlib.AsyncExitStack()

    def _build_api(self) -> FastAPI:
        api = FastAPI(
            title="Street Level API",
            description=DESCRIPTION,
            version="1.0.0",
            docs_url=None,
            redoc_url=None,
            openapi_url=None,
        )
        api.state.gateway = self
        api.state.public_base_url = self.settings.public_base_url
        install_problem_handlers(api)
        for module in (
            routes_oauth,
            routes_admin,
            routes_events,
            routes_docs,
            routes_front,
            routes_contract,
        ):
            api.include_router(module.router)
        api.include_router(health_router(self.readiness_checks))
        return api

    def _spec_source(self, spec: ServiceSpec) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def source() -> dict[str, Any]:
            if spec.app is not None:
                document: dict[str, Any] = spec.app.openapi()
                return document
            assert self.proxy.session is not None
            async with self.proxy.session.get(
                f"{spec.url}/openapi.json", timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                resp.raise_for_status()
                return dict(await resp.json())

        return source

    def _session(self) -> aiohttp.ClientSession:
        assert self.proxy.session is not None
        return self.proxy.session

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        checks: dict[str, Callable[[], Awaitable[Any]]] = {"database": self._check_database}
        for upstream in self.upstreams:
            if upstream.url is not None:
                checks[upstream.name] = self._livez(upstream.url)
        return checks

    async def _check_database(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def _livez(self, url: str) -> Callable[[], Awaitable[None]]:
        async def check() -> None:
            assert self.proxy.session is not None
            async with self.proxy.session.get(
                f"{url}/livez", timeout=aiohttp.ClientTimeout(total=2)
            ) as resp:
                resp.raise_for_status()

        return check

    async def startup(self) -> None:
        s = self.settings
        if s.mode == "embedded":
            # Alembic (and Mako) cost ~0.3 s to import; only an embedded start migrates.
            from streetlevel.gateway import migrate

            await migrate.upgrade_async(s.database_url)
        await self.keys.ensure_active()
        # The feed subscribes before any service relay can deliver.
        await self.writer.start()
        for spec in self.services:
            if spec.upgrade is not None and spec.database_url is not None:
                await asyncio.to_thread(spec.upgrade, spec.database_url)
            router = getattr(spec.app, "router", None)
            if router is not None:
                await self._stack.enter_async_context(router.lifespan_context(spec.app))
        if isinstance(self.bus, GatedMemoryBus):
            self.bus.open.set()
        await self.proxy.start()
        if self.demo:
            from streetlevel.gateway import demo

            await demo.seed(self)

    async def shutdown(self) -> None:
        await self._stack.aclose()
        await self.writer.stop()
        await self.proxy.close()
        await self.engine.dispose()

    def enterprise_binding(self, principal: Principal) -> Observer:
        """Bind an unbound enterprise client to the enterprise its POST created."""

        async def observe(status: int, body: bytes) -> None:
            if status != 201 or principal.client_id is None:
                return
            try:
                enterprise_id = orjson.loads(body).get("id")
            except (orjson.JSONDecodeError, AttributeError):
                return
            if isinstance(enterprise_id, str):
                await self.clients.bind_enterprise(principal.client_id, enterprise_id)

        return observe


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
        if gw.site is not None and serves_site(path, _header(scope, b"accept")):
            await gw.site(scope, receive, send)
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
        limited = _with_headers(send, verdict)
        if not verdict.allowed:
            await problem(429, "Rate limit exceeded; retry later.")(scope, receive, limited)
            return
        if refused is not None:
            response = problem(401, refused.detail, headers=refused.headers())
            await response(scope, receive, limited)
            return
        upstream = gw.proxy.match(path)
        if upstream is not None:
            observe = None
            if (
                principal.kind == "enterprise"
                and principal.enterprise_id is None
                and scope["method"] == "POST"
                and path.rstrip("/") == "/v1/enterprises"
            ):
                observe = gw.enterprise_binding(principal)
            await gw.proxy.forward(scope, receive, limited, upstream, observe)
            return
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


def _with_headers(send: Send, verdict: Verdict) -> Send:
    extra = verdict.headers()

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {name for name, _ in extra}
            headers = [h for h in message.get("headers", []) if h[0] not in names]
            message = {**message, "headers": headers + extra}
        await send(message)

    return wrapped


class GatewayEdge(EdgeMiddleware):
    """The whole gateway behind the edge middleware; ``.gateway`` for the CLI and tests."""

    def __init__(self, gateway: Gateway) -> None:
        super().__init__(
            GatewayApp(gateway),
            service=gateway.settings.service_name,
            max_body_bytes=gateway.settings.max_body_bytes,
        )
        self.gateway = gateway


def create_app(
    settings: GatewaySettings | None = None,
    *,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
    services: list[ServiceSpec] | None = None,
    demo: bool = False,
) -> GatewayEdge:
    """The gateway's ASGI app, wrapped in the shared edge middleware."""
    settings = settings or load_settings(GatewaySettings)
    gateway = Gateway(
        settings,
        services=services,
        memory_bus=memory_bus,
        key_source=key_source,
        clock=clock,
        demo=demo,
    )
    return GatewayEdge(gateway)
