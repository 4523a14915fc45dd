"""Use cases of the read models other services' events feed: supplier names and themes."""

from __future__ import annotations

from typing import Any

from streetlevel.common.events import Envelope
from streetlevel.common.themes import apply_theme_events
from streetlevel.common.uow import UnitOfWork
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.adapters.enterprise_name_repository import EnterpriseNameRepository


async def record_enterprise_name(*, uow: UnitOfWork, event: Envelope) -> None:
    """Keep an enterprise's name, and rename it where it supplies a contract."""
    record: dict[str, Any] = event.data.get("enterprise") or event.data
    name = record.get("name")
    if not isinstance(name, str) or not name:
        return
    enterprise_id = str(record.get("id") or event.aggregate_id)
    async with uow:
        now = uow.clock.now()
        await EnterpriseNameRepository(uow.session).put(enterprise_id, name, now)
        await ContractRepository(uow.session).rename_supplier(enterprise_id, name, now)
        await uow.commit()


async def record_theme(*, uow: UnitOfWork, event: Envelope) -> None:
    """Keep the theme vocabulary (indicators name themes from it)."""
    async with uow:
        await apply_theme_events(uow.session, orm.themes, [event], uow.clock.now())
        await uow.commit()
