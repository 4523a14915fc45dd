"""The gateway's components: identity, limits, upstreams, feed and merged documents, wired once.

Its own routes are built by the ``api`` callable it is given (``api.local.build_api``), so
this module imports no route; the ASGI edge in front of it is ``edge.py``, the factory ``app.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI

from streetlevel.common import tracing
from streetlevel.common.auth import KeySource, Principal, TokenVerifier
from streetlevel.common.authfirst import WriteRules
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock, SystemClock
from streetlevel.common.db import asyncpg_dsn, create_engine
from streetlevel.common.errors import UpstreamUnavailable
from streetlevel.common.http import Compression, HttpMiddleware
from streetlevel.common.lease import Lease, LocalLease, PostgresLease
from streetlevel.common.metrics import KEY_ROTATION_DUE, register_probe, unregister_probe
from streetlevel.common.openapi import describe_routes
from streetlevel.common.timeouts import within
from streetlevel.gateway.breaker import CircuitBreaker
from streetlevel.gateway.contract import EventCatalogue, service_source
from streetlevel.gateway.feed import FeedReader, FeedWriter
from streetlevel.gateway.identity.clients import ClientStore
from streetlevel.gateway.identity.keys import KeyRing
from streetlevel.gateway.identity.tokens import TokenIssuer
from streetlevel.gateway.openapi import MergedOpenAPI
from streetlevel.gateway.proxy import Observer, Proxy, Upstream
from streetlevel.gateway.ratelimit import RateLimiter
from streetlevel.gateway.routing import ServiceSpec, remote_services
from streetlevel.gateway.settings import GatewaySettings, server_key
from streetlevel.gateway.upstream import UpstreamClosed, UpstreamPool

if TYPE_CHECKING:
    import aiohttp

#: The routed services, or a function of the gateway that makes them (embedded mode: the
#: in-process services verify tokens with the gateway's own key ring).
Services = Sequence[ServiceSpec] | Callable[["Gateway"], Sequence[ServiceSpec]]
#: Runs once the gateway has started, or first thing as it stops (also after a failed start):
#: the platform opens and closes its bus gate, and seeds the demo.
Hook = Callable[["Gateway"], Awaitable[None]]


class Gateway:
    """Holds the gateway's components for the life of the process."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        api: Callable[[Gateway], FastAPI],
        services: Services | None = None,
        memory_bus: MemoryBus | None = None,
        key_source: KeySource | None = None,
        clock: Clock | None = None,
        on_start: Sequence[Hook] = (),
        on_stop: Sequence[Hook] = (),
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.on_start = tuple(on_start)
        self.on_stop = tuple(on_stop)
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
            self.bus = memory_bus or MemoryBus()
        if services is None:
            if settings.mode == "embedded":
                raise ValueError(
                    "an embedded gateway is given its services: run the platform "
                    "(streetlevel serve, or streetlevel.platform.embedded:create_app)"
                )
            services = remote_services(settings)
        self.services = list(services(self) if callable(services) else services)
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
            for s in self.services
        ]
        self.proxy = Proxy(
            self.upstreams,
            retries=settings.upstream_retries,
            pool_size=settings.upstream_pool_size,
            service=settings.service_name,
        )
        self.feed = FeedReader(self.engine)
        lease: Lease = (
            LocalLease("gateway-feed")
            if settings.is_sqlite
            else PostgresLease(asyncpg_dsn(settings.direct_url), name="gateway-feed")
        )
        self.writer = FeedWriter(settings, lease=lease, clock=self.clock, memory_bus=self.bus)
        self.api = api(self)
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
            {s.name: (s.prefixes, self._spec_source(s)) for s in self.services},
            cache_s=settings.openapi_cache_s,
        )
        self.contract = EventCatalogue(
            {
                s.name: service_source(s, settings.public_base_url, self._session)
                for s in self.services
            },
            base_url=settings.public_base_url,
            cache_s=settings.openapi_cache_s,
        )
        self._stack = contextlib.AsyncExitStack()

    def _spec_source(self, spec: ServiceSpec) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def source() -> dict[str, Any]:
            if spec.app is not None:
                document: dict[str, Any] = spec.app.openapi()
                return document
            import aiohttp  # the control paths' client, made at first use (``Proxy.client``)

            async with self.proxy.client().get(
                f"{spec.url}/openapi.json", timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                resp.raise_for_status()
                return dict(await resp.json())

        return source

    def _session(self) -> aiohttp.ClientSession:
        return self.proxy.client()

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        checks: dict[str, Callable[[], Awaitable[Any]]] = {"database": self._check_database}
        for upstream in self.upstreams:
            if upstream.url is not None:
                checks[upstream.name] = self._livez(upstream)
        return checks

    async def _check_database(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    def _livez(self, upstream: Upstream) -> Callable[[], Awaitable[None]]:
        async def check() -> None:
            assert upstream.pool is not None
            status = await within(2, _livez_status(upstream.pool))
            # The upstream answers: its routes can be served. A 503 there (a consumer loop
            # ended) is for its own orchestrator to restart, not a reason to take every other
            # service's routes out of the gateway.
            if status not in (200, 503):
                raise UpstreamUnavailable(f"{upstream.name} /livez answered {status}")

        return check

    async def startup(self) -> None:
        s = self.settings
        tracing.setup(s.service_name)
        if s.mode == "embedded":
            # Alembic (and Mako) cost ~0.3 s to import; only an embedded start migrates.
            from streetlevel.gateway import migrate

            await migrate.upgrade_async(s.database_url)
        if s.is_sqlite:
            # One SQLite file: a new database's first two connections would race to switch
            # it to WAL ("database is locked"), so its steps go in turn.
            await self.keys.ensure_active()
            await self.writer.start()
        else:
            await self._start_overlapped()
        register_probe("gateway:signing-key", self._measure_key_rotation)
        for spec in self.services:
            if spec.upgrade is not None and spec.database_url is not None:
                await asyncio.to_thread(spec.upgrade, spec.database_url)
            router = getattr(spec.app, "router", None)
            if router is not None:
                await self._stack.enter_async_context(router.lifespan_context(spec.app))
        await self.proxy.start()
        for hook in self.on_start:
            await hook(self)

    async def _start_overlapped(self) -> None:
        """The key ring's first query beside the feed writer's lease and broker round trips."""
        # Independent: overlapped, start-up waits for the slower, not for both in turn. The
        # feed still subscribes before any service relay can deliver.
        steps = [
            asyncio.ensure_future(self.keys.ensure_active()),
            asyncio.ensure_future(self.writer.start()),
        ]
        try:
            await asyncio.gather(*steps)
        except BaseException:
            for step in steps:
                step.cancel()
            await asyncio.gather(*steps, return_exceptions=True)
            raise

    async def _measure_key_rotation(self) -> None:
        due = await self.keys.rotation_due_s(timedelta(days=self.settings.key_rotation_days))
        if due is not None:
            KEY_ROTATION_DUE.labels("gateway").set(due)

    async def shutdown(self) -> None:
        unregister_probe("gateway:signing-key")
        for hook in self.on_stop:
            await hook(self)
        await self._stack.aclose()
        await self.writer.stop()
        await self.proxy.close()
        await self.engine.dispose()
        tracing.shutdown(self.settings.service_name)

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


async def _livez_status(pool: UpstreamPool) -> int:
    """``GET /livez`` over the proxy's own keep-alive pool (no second HTTP client at start)."""
    for fresh in (False, True):
        try:
            response = await pool.request("GET", b"/livez", [], b"", read_timeout_s=2, fresh=fresh)
        except UpstreamClosed as exc:
            if exc.reused and not fresh:
                continue  # an idle connection the upstream had just closed: try a new one
            raise
        try:
            await response.read()
        finally:
            response.release()
        return response.status
    raise AssertionError("unreachable")
