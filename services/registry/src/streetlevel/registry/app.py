"""The registry service: the open register of social enterprises and the area reference."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.contract import EventContract
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import load_settings
from streetlevel.registry import consumers
from streetlevel.registry.adapters.areas import area_count, read_reference, store_areas
from streetlevel.registry.adapters.orm import idempotency, inbox, outbox
from streetlevel.registry.api import routes_areas, routes_enterprises, routes_export
from streetlevel.registry.api.schemas import HsdsExport
from streetlevel.registry.domain import events as domain_events
from streetlevel.registry.domain.events import PRIVATE_TOPIC, THEME_TOPIC, TOPIC
from streetlevel.registry.service.context import Services
from streetlevel.registry.service.themes import publish_themes
from streetlevel.registry.settings import RegistrySettings

log = logging.getLogger(__name__)

ROUTE_PREFIXES = ("/v1/enterprises", "/v1/areas", "/v1/themes")


async def prepare_database(runtime: Runtime) -> None:
    """Embedded mode migrates its own SQLite file; areas load when configured and absent."""
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)
    if settings.is_sqlite:
        # Alembic (and Mako) cost ~0.3 s to import; only an embedded start migrates.
        from streetlevel.registry.migrate import upgrade_async

        await upgrade_async(settings.database_url)
    if settings.areas_file is None:
        return
    async with runtime.engine.connect() as conn:
        if await area_count(conn) > 0:
            return
    index = read_reference(settings.areas_file, settings.counties_file)
    loaded = await store_areas(
        runtime.engine, index.areas.values(), source=str(settings.areas_file), clock=runtime.clock
    )
    log.info("loaded %d areas from %s", loaded, settings.areas_file)


async def announce_themes(runtime: Runtime) -> None:
    """Publish the theme vocabulary through the outbox when it changed (idempotent)."""
    published = await publish_themes(uow=runtime.uow())
    if published:
        log.info("published %d theme events on %s", published, THEME_TOPIC)


def create_app(
    settings: RegistrySettings | None = None,
    *,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The registry ASGI app (``uvicorn --factory streetlevel.registry.app:create_app``)."""
    settings = settings or load_settings(RegistrySettings)
    runtime = Runtime(
        settings,
        outbox=outbox,
        inbox=inbox,
        publishes=[TOPIC, THEME_TOPIC, PRIVATE_TOPIC],
        clock=clock,
        memory_bus=memory_bus,
        key_source=key_source,
    )
    consumers.register(runtime)
    app = build_service_app(
        runtime,
        title="Street Level registry",
        description="The open register of social enterprises, and the ONS area reference. "
        "Open data under the Open Government Licence v3.0.",
        routers=[routes_export.router, routes_enterprises.router, routes_areas.router],
        schemas=[HsdsExport],
        on_start=[prepare_database, announce_themes],
        idempotency=idempotency,
        contract=EventContract.of_module("registry", domain_events),
    )
    app.state.services = Services(runtime=runtime, settings=settings)
    return app


def _migrate(database_url: str) -> None:
    # Alembic costs ~0.3 s to import: only a process that migrates pays for it.
    from streetlevel.registry import migrate

    migrate.upgrade(database_url)


SERVICE = ServiceDescriptor(
    name="registry",
    create_app=create_app,
    settings=RegistrySettings,
    prefixes=ROUTE_PREFIXES,
    migrate=_migrate,
)
