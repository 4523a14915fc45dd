"""The notifications service: webhook subscriptions, deliveries and private feeds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from streetlevel.common.areas import load_area_files
from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.contract import EventContract
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import load_settings
from streetlevel.notifications import consumers
from streetlevel.notifications.adapters import orm
from streetlevel.notifications.adapters.sender import SafeSender, Sender
from streetlevel.notifications.api import routes_me, routes_webhooks
from streetlevel.notifications.domain import events as domain_events
from streetlevel.notifications.domain.events import PRIVATE_TOPIC
from streetlevel.notifications.service.context import Services
from streetlevel.notifications.service.worker import DeliveryWorker
from streetlevel.notifications.settings import NotificationsSettings

ROUTE_PREFIXES = ("/v1/webhooks", "/v1/me")


def create_app(
    settings: NotificationsSettings | None = None,
    *,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
    sender: Sender | None = None,
) -> FastAPI:
    """The ASGI app; ``uvicorn --factory streetlevel.notifications.app:create_app``."""
    settings = settings or load_settings(NotificationsSettings)
    runtime = Runtime(
        settings,
        outbox=orm.outbox,
        inbox=orm.inbox,
        publishes=[PRIVATE_TOPIC],
        clock=clock,
        memory_bus=memory_bus,
        key_source=key_source,
    )
    safe = SafeSender(
        allow_loopback=settings.test_loopback_targets,
        connect_timeout_s=settings.connect_timeout_s,
        read_timeout_s=settings.read_timeout_s,
    )
    worker = DeliveryWorker(runtime, settings, sender or safe)
    services = Services(runtime=runtime, settings=settings, sender=safe, worker=worker)
    consumers.register(runtime, services)

    async def prepare(_runtime: Runtime) -> None:
        if settings.migrate_on_start:
            from streetlevel.notifications import migrate

            await asyncio.to_thread(migrate.upgrade, settings.database_url)
        services.areas = await asyncio.to_thread(
            load_area_files, settings.areas_file, settings.counties_file
        )

    app = build_service_app(
        runtime,
        title="Street Level notifications",
        description="Webhook subscriptions signed as Standard Webhooks, their delivery log and "
        "replays, and each principal's private event feed.",
        routers=[routes_webhooks.router, routes_me.router],
        on_start=[prepare],
        idempotency=orm.idempotency,
        contract=EventContract.of_module("notifications", domain_events),
    )
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(inner):
            if settings.delivery_worker:
                worker.start()
            try:
                yield
            finally:
                await worker.stop()
                await safe.aclose()

    app.router.lifespan_context = lifespan
    app.state.services = services
    return app


def _migrate(database_url: str) -> None:
    # Alembic costs ~0.3 s to import: only a process that migrates pays for it.
    from streetlevel.notifications import migrate

    migrate.upgrade(database_url)


SERVICE = ServiceDescriptor(
    name="notifications",
    create_app=create_app,
    settings=NotificationsSettings,
    prefixes=ROUTE_PREFIXES,
    migrate=_migrate,
)
