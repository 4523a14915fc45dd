"""The outcomes service: indicators, plans, observations and reports."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from streetlevel.common.areas import load_area_files
from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.contract import EventContract
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.periodic import around_lifespan
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import load_settings
from streetlevel.outcomes import consumers
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.api import (
    routes_indicators,
    routes_observations,
    routes_plans,
    routes_reports,
)
from streetlevel.outcomes.domain import events as domain_events
from streetlevel.outcomes.domain.events import (
    INDICATOR_TOPIC,
    OBSERVATION_TOPIC,
    PLAN_TOPIC,
    PRIVATE_TOPIC,
)
from streetlevel.outcomes.service.context import Services
from streetlevel.outcomes.service.deadlines import deadline_scheduler
from streetlevel.outcomes.service.handlers import seed_catalogue
from streetlevel.outcomes.settings import OutcomesSettings

ROUTE_PREFIXES = ("/v1/indicators", "/v1/plans", "/v1/observations", "/v1/reports")


def create_app(
    settings: OutcomesSettings | None = None,
    *,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The ASGI app; ``uvicorn --factory streetlevel.outcomes.app:create_app``."""
    settings = settings or load_settings(OutcomesSettings)
    runtime = Runtime(
        settings,
        outbox=orm.outbox,
        inbox=orm.inbox,
        publishes=[INDICATOR_TOPIC, PLAN_TOPIC, OBSERVATION_TOPIC, PRIVATE_TOPIC],
        clock=clock,
        memory_bus=memory_bus,
        key_source=key_source,
    )
    consumers.register(runtime)
    services = Services(runtime=runtime, settings=settings)

    async def prepare(_runtime: Runtime) -> None:
        if settings.migrate_on_start:
            # Alembic (and Mako) cost ~0.3 s to import; only an embedded start migrates.
            from streetlevel.outcomes import migrate

            await asyncio.to_thread(migrate.upgrade, settings.database_url)
        services.areas = await asyncio.to_thread(
            load_area_files, settings.areas_file, settings.counties_file
        )
        if settings.seed_catalogue:
            await seed_catalogue(uow=runtime.uow())

    app = build_service_app(
        runtime,
        title="Street Level outcomes",
        description="Indicators, measurement plans, observations, progress, social value and "
        "SROI, and area reports with disclosure control.",
        routers=[
            routes_indicators.router,
            routes_plans.router,
            routes_observations.router,
            routes_reports.router,
        ],
        on_start=[prepare],
        idempotency=orm.idempotency,
        contract=EventContract.of_module("outcomes", domain_events),
    )
    app.state.services = services
    app.state.deadlines = deadline_scheduler(services, settings.deadline_interval_s)
    around_lifespan(app, app.state.deadlines, enabled=settings.deadline_scheduler_enabled)
    return app


def _migrate(database_url: str) -> None:
    # Alembic costs ~0.3 s to import: only a process that migrates pays for it.
    from streetlevel.outcomes import migrate

    migrate.upgrade(database_url)


SERVICE = ServiceDescriptor(
    name="outcomes",
    create_app=create_app,
    settings=OutcomesSettings,
    prefixes=ROUTE_PREFIXES,
    migrate=_migrate,
)
