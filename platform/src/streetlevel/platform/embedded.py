"""Embedded mode: the gateway with every service mounted in-process, on SQLite and one bus.

``uvicorn --factory streetlevel.platform.embedded:create_app`` runs it from the environment
(``streetlevel serve`` does the same with the demo). A service that fails to build or to start
stops the whole platform with its error: a half-mounted platform would only mislead.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from typing import Any

from starlette.types import Receive, Scope, Send

from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock, ShiftedClock, SystemClock
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.settings import AREAS_FILE_ENV, load_settings
from streetlevel.gateway.app import create_app as create_gateway
from streetlevel.gateway.routing import ServiceSpec
from streetlevel.gateway.settings import GatewaySettings
from streetlevel.gateway.wiring import Gateway
from streetlevel.platform.demo import seed, write_seed_areas
from streetlevel.platform.services import SERVICES
from streetlevel.platform.site import embedded_site
from streetlevel.platform.site import serves as serves_site

log = logging.getLogger(__name__)


class GatedMemoryBus(MemoryBus):
    """Holds deliveries until every in-process consumer has subscribed.

    Each service subscribes and starts its relay in one step; without the gate, rows left in
    a service's outbox would be delivered before a later-starting consumer subscribed. A
    platform that stops before it opened fails the held deliveries instead: their rows stay
    in the outbox for the next start, and no relay waits for a gate that never opens.
    """

    def __init__(self) -> None:
        super().__init__()
        self.is_open = False
        self._released = asyncio.Event()

    def open(self) -> None:
        """Every consumer has subscribed: deliver."""
        self.is_open = True
        self._released.set()

    def close(self) -> None:
        """The platform is stopping: what the gate still holds is not delivered."""
        self._released.set()

    async def publish(self, messages: Any) -> None:
        await self._released.wait()
        if not self.is_open:
            raise ConnectionError("the embedded platform stopped before every service started")
        await super().publish(messages)


class EmbeddedApp:
    """The whole platform as one ASGI app: the gateway's edge over the in-process services."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        services: Sequence[ServiceDescriptor] = SERVICES,
        memory_bus: MemoryBus | None = None,
        key_source: KeySource | None = None,
        clock: Clock | None = None,
        demo: bool = False,
    ) -> None:
        if settings.mode != "embedded" or settings.bus != "memory":
            raise ValueError(
                "the embedded platform needs GATEWAY_MODE=embedded and the in-process bus "
                f"(GATEWAY_BUS=memory), not mode={settings.mode}, bus={settings.bus}"
            )
        self.descriptors = tuple(services)
        self.bus = memory_bus or GatedMemoryBus()
        # The services tell time by this one: the demo replays its history on it.
        self.service_clock = ShiftedClock(clock or SystemClock())
        self.demo = demo
        self.edge = create_gateway(
            settings,
            memory_bus=self.bus,
            key_source=key_source,
            clock=self.service_clock.base,
            services=self._mount,
            on_start=[self._started],
            on_stop=[self._stopping],
        )
        self.gateway: Gateway = self.edge.gateway
        # The public site answers its own paths (and a browser's ``/``) before the gateway does.
        self.site = embedded_site(settings, self.edge)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and serves_site(scope["path"], _accept(scope)):
            await self.site(scope, receive, send)
            return
        await self.edge(scope, receive, send)

    def _mount(self, gateway: Gateway) -> list[ServiceSpec]:
        return mount_services(
            gateway.settings,
            self.descriptors,
            memory_bus=self.bus,
            key_source=gateway.keys.jwks,
            clock=self.service_clock,
            demo=self.demo,
        )

    async def _started(self, gateway: Gateway) -> None:
        if isinstance(self.bus, GatedMemoryBus):
            self.bus.open()
        if self.demo:
            await seed(self)

    async def _stopping(self, gateway: Gateway) -> None:
        if isinstance(self.bus, GatedMemoryBus):
            self.bus.close()


def _accept(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return str(value.decode("latin-1"))
    return None


def create_app(
    settings: GatewaySettings | None = None,
    *,
    services: Sequence[ServiceDescriptor] = SERVICES,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
    demo: bool = False,
) -> EmbeddedApp:
    """The embedded platform (settings from the environment, mode embedded, by default)."""
    return EmbeddedApp(
        settings or load_settings(GatewaySettings, mode="embedded"),
        services=services,
        memory_bus=memory_bus,
        key_source=key_source,
        clock=clock,
        demo=demo,
    )


def mount_services(
    settings: GatewaySettings,
    descriptors: Sequence[ServiceDescriptor],
    *,
    memory_bus: MemoryBus,
    key_source: KeySource,
    clock: Clock,
    demo: bool = False,
) -> list[ServiceSpec]:
    """Every service created in-process on its own SQLite file; the first failure propagates.

    Without ``STREETLEVEL_AREAS_FILE`` every service reads the seed areas (Blackpool's wards
    and a few LSOAs); the demo also lets its council's webhook point at a receiver on this machine
    (never in production). The demo's standstills are the law's, never shortened.
    """
    overrides: dict[str, Any] = {}
    if not os.environ.get(AREAS_FILE_ENV):
        overrides["areas_file"] = str(write_seed_areas(settings.data_dir))
    if demo and settings.environment != "production":
        # The demo council's webhook points at a receiver on this machine (see demo.py).
        overrides["test_loopback_targets"] = True
    specs = []
    for descriptor in descriptors:
        spec = _mount(
            descriptor,
            settings,
            memory_bus=memory_bus,
            key_source=key_source,
            clock=clock,
            overrides=overrides,
        )
        specs.append(spec)
        log.info("service %s mounted in-process (%s)", descriptor.name, spec.database_url)
    return specs


def _mount(
    descriptor: ServiceDescriptor,
    settings: GatewaySettings,
    *,
    memory_bus: MemoryBus,
    key_source: KeySource,
    clock: Clock,
    overrides: dict[str, Any],
) -> ServiceSpec:
    url = f"sqlite+aiosqlite:///{settings.data_dir}/{descriptor.name}.db"
    fields = descriptor.settings.model_fields
    service_settings = load_settings(
        descriptor.settings,
        **{k: v for k, v in overrides.items() if k in fields},
        database_url=url,
        bus="memory",
        environment=settings.environment,
        jwt_issuer=settings.jwt_issuer,
        jwt_audience=settings.jwt_audience,
        jwks_url=None,
        public_base_url=settings.public_base_url,
        log_level=settings.log_level,
        log_json=settings.log_json,
    )
    app = descriptor.create_app(
        service_settings, memory_bus=memory_bus, key_source=key_source, clock=clock
    )
    return ServiceSpec(
        name=descriptor.name,
        prefixes=descriptor.prefixes,
        app=app,
        database_url=url,
        upgrade=descriptor.migrate,
    )
