"""The commissioning service: ``create_app`` wires runtime, consumers, scheduler and routes."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from streetlevel.commissioning import consumers
from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.areas import load_areas
from streetlevel.commissioning.api import (
    routes_bids,
    routes_commissions,
    routes_contract_notices,
    routes_contracts,
    routes_evaluation,
    routes_grants,
    routes_notices,
    routes_ocds,
    routes_payables,
)
from streetlevel.commissioning.domain import evaluation_events, grant_events, payable_events
from streetlevel.commissioning.domain import events as domain_events
from streetlevel.commissioning.domain.events import (
    COMMISSION_TOPIC,
    CONTRACT_TOPIC,
    PRIVATE_TOPIC,
)
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.read_models import READ_MODELS
from streetlevel.commissioning.service.scheduler import scheduler
from streetlevel.commissioning.settings import CommissioningSettings
from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.contract import EventContract
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.periodic import around_lifespan
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import load_settings

ROUTE_PREFIXES = (
    "/v1/commissions",
    "/v1/contracts",
    "/v1/ocds",
    "/v1/notices",
    "/v1/notice-submissions",
    "/v1/grant-programmes",
    "/v1/grant-applications",
    "/v1/grants",
    "/v1/payables",
    "/v1/payment-performance",
)


def create_app(
    settings: CommissioningSettings | None = None,
    *,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The ASGI app (``uvicorn --factory streetlevel.commissioning.app:create_app``)."""
    settings = settings or load_settings(CommissioningSettings)
    runtime = Runtime(
        settings,
        outbox=orm.outbox,
        inbox=orm.inbox,
        publishes=[COMMISSION_TOPIC, CONTRACT_TOPIC, PRIVATE_TOPIC],
        clock=clock,
        memory_bus=memory_bus,
        key_source=key_source,
    )
    services = Services(
        runtime=runtime,
        settings=settings,
        areas=load_areas(settings.areas_file, settings.counties_file),
    )
    consumers.register(runtime, services)

    async def migrate_first(_runtime: Runtime) -> None:
        if settings.migrate_on_start:
            # Alembic (and Mako) cost ~0.3 s to import; only an embedded start migrates.
            from streetlevel.commissioning import migrate

            await asyncio.to_thread(migrate.upgrade, settings.database_url)

    app = build_service_app(
        runtime,
        title="Street Level commissioning",
        description="Hyper-local commissions, sealed bids, evaluation, contracts, "
        "payment by outcomes and OCDS 1.1.5 open contracting data.",
        routers=[
            routes_commissions.router,
            routes_bids.router,
            routes_contracts.router,
            routes_payables.router,
            routes_contract_notices.router,
            routes_ocds.router,
            routes_notices.public,
            routes_notices.council,
            routes_evaluation.router,
            routes_grants.programmes,
            routes_grants.applications,
            routes_grants.grants,
        ],
        on_start=[migrate_first],
        idempotency=orm.idempotency,
        contract=EventContract.of_module(
            "commissioning", domain_events, grant_events, payable_events, evaluation_events
        ),
    )
    app.state.services = services
    app.state.scheduler = scheduler(services, settings.scheduler_interval_s)
    around_lifespan(app, app.state.scheduler, enabled=settings.scheduler_enabled)
    return app


def _migrate(database_url: str) -> None:
    # Alembic costs ~0.3 s to import: only a process that migrates pays for it.
    from streetlevel.commissioning import migrate

    migrate.upgrade(database_url)


SERVICE = ServiceDescriptor(
    name="commissioning",
    create_app=create_app,
    settings=CommissioningSettings,
    prefixes=ROUTE_PREFIXES,
    migrate=_migrate,
    read_models=READ_MODELS,
)
