"""The outcomes service: indicators, plans, observations and reports."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.contract import EventContract
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import load_settings
from streetlevel.common.themes import THEME_TOPIC
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.areas import load_areas
from streetlevel.outcomes.adapters.consumers import contract_handler
from streetlevel.outcomes.adapters.contracts import CONTRACT_TOPIC, ENTERPRISE_TOPIC
from streetlevel.outcomes.adapters.private_notices import CONSUMER_GROUP as NOTICES_GROUP
from streetlevel.outcomes.adapters.private_notices import notice_handler
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
from streetlevel.outcomes.service.handlers import seed_catalogue
from streetlevel.outcomes.settings import OutcomesSettings
from streetlevel.outcomes.state import Outcomes

ROUTE_PREFIXES = ("/v1/indicators", "/v1/plans", "/v1/observations", "/v1/reports")
CONSUMER_GROUP = "outcomes"


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
        compacted=[THEME_TOPIC],
        clock=clock,
        memory_bus=memory_bus,
        key_source=key_source,
    )
    runtime.consume(
        CONSUMER_GROUP,
        [CONTRACT_TOPIC, ENTERPRISE_TOPIC, THEME_TOPIC],
        contract_handler(writer=runtime.writer, clock=runtime.clock),
        kind="snapshot",
    )
    # Notices to the principal who must act: read back from the service's own internal topic.
    runtime.consume(
        NOTICES_GROUP, [OBSERVATION_TOPIC], notice_handler(writer=runtime.writer), kind="snapshot"
    )
    outcomes = Outcomes(runtime=runtime, settings=settings)

    async def prepare(_runtime: Runtime) -> None:
        if settings.migrate_on_start:
            # Alembic (and Mako) cost ~0.3 s to import; only an embedded start migrates.
            from streetlevel.outcomes import migrate

            await asyncio.to_thread(migrate.upgrade, settings.database_url)
        outcomes.areas = await asyncio.to_thread(
            load_areas, settings.areas_file, settings.counties_file
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
    app.state.outcomes = outcomes
    return app
