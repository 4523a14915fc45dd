"""Consumers: contracts create plans; contract status, supplier names, themes: read models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.clock import Clock
from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.inbox import Handler
from streetlevel.common.themes import DEFINED as THEME_DEFINED
from streetlevel.common.themes import RETIRED as THEME_RETIRED
from streetlevel.common.themes import apply_theme_events
from streetlevel.common.uow import EventWriter
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.contracts import (
    CREATED,
    STATUS_OF,
    ContractCreated,
    ContractStatusChanged,
)
from streetlevel.outcomes.adapters.repository import ContractRepository, PlanRepository
from streetlevel.outcomes.domain.plans import MeasurementPlan

ENTERPRISE_PREFIX = "registry.enterprise."


def contract_handler(*, writer: EventWriter, clock: Clock) -> Handler:
    """The handler of the ``outcomes`` consumer group (runs inside the inbox transaction)."""

    async def handle(session: AsyncSession, event: Envelope) -> None:
        kind = event.short_type
        if kind == CREATED:
            await _contract_created(session, event, writer=writer, clock=clock)
        elif kind in STATUS_OF:
            change = ContractStatusChanged.model_validate(event.data)
            contract_id = change.contract_id or event.aggregate_id
            await ContractRepository(session).set_status(contract_id, STATUS_OF[kind], clock.now())
        elif kind.startswith(ENTERPRISE_PREFIX):
            await _enterprise_named(session, event, clock=clock)
        elif kind in (THEME_DEFINED, THEME_RETIRED):
            await apply_theme_events(session, orm.themes, [event], clock.now())
        # Unknown types are ignored: producers may add new ones (EVENTS.md).

    return handle


async def _contract_created(
    session: AsyncSession, event: Envelope, *, writer: EventWriter, clock: Clock
) -> None:
    created = ContractCreated.model_validate(event.data)
    contracts = ContractRepository(session)
    if await contracts.row(created.contract_id) is not None:
        return  # the same fact delivered under another event id: one plan per contract
    known_name = (
        await session.execute(
            select(orm.enterprise_names.c.name).where(
                orm.enterprise_names.c.enterprise_id == created.supplier.enterprise_id
            )
        )
    ).scalar_one_or_none()
    await contracts.add(created, supplier_name=known_name or created.supplier.name, now=clock.now())
    plan = MeasurementPlan.from_contract(
        plan_id=str(new_id()), contract=created.terms(), now=clock.now()
    )
    await PlanRepository(session).add(plan)
    await writer.write(session, plan.take_events())


async def _enterprise_named(session: AsyncSession, event: Envelope, *, clock: Clock) -> None:
    record: dict[str, Any] = event.data.get("enterprise") or event.data
    name = record.get("name")
    if not isinstance(name, str) or not name:
        return
    enterprise_id = str(record.get("id") or event.aggregate_id)
    table = orm.enterprise_names
    now = clock.now()
    exists = (
        await session.execute(
            select(table.c.enterprise_id).where(table.c.enterprise_id == enterprise_id)
        )
    ).first()
    if exists is None:
        await session.execute(
            table.insert().values(enterprise_id=enterprise_id, name=name, updated_at=now)
        )
    else:
        await session.execute(
            table.update()
            .where(table.c.enterprise_id == enterprise_id)
            .values(name=name, updated_at=now)
        )
    await ContractRepository(session).rename_supplier(enterprise_id, name, now)
