"""Use cases of the read models other services' events feed: enterprises, indicators, themes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.payloads import (
    INDICATOR_TOPIC,
    REGISTRY_TOPIC,
    EnterpriseEventData,
    IndicatorEventData,
)
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import republish_for_indicator
from streetlevel.common.events import Envelope
from streetlevel.common.rebuild import ReadModel
from streetlevel.common.themes import THEME_TOPIC, apply_theme_events
from streetlevel.common.uow import UnitOfWork


async def record_enterprises(
    *, services: Services, uow: UnitOfWork, events: Sequence[Envelope]
) -> None:
    """Keep the newest public record of each enterprise (eligibility reads it)."""
    async with uow:
        await restore_enterprises(uow.session, events, services.clock.now())
        await uow.commit()


def _enterprise_rows(events: Sequence[Envelope], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for envelope in events:
        if not envelope.short_type.startswith("registry.enterprise."):
            continue
        record = EnterpriseEventData.model_validate(envelope.data).enterprise
        rows.append(
            {
                "id": record.id,
                "status": record.status,
                "name": record.name,
                "record": record.model_dump(mode="json"),
                "updated_at": now,
            }
        )
    return rows


def _indicator_rows(events: Sequence[Envelope], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "code": record.code,
            "record": record.model_dump(mode="json"),
            "updated_at": now,
        }
        for event in events
        if event.short_type.startswith("outcomes.indicator.")
        for record in [IndicatorEventData.model_validate(event.data).indicator]
    ]


async def record_indicator(*, services: Services, uow: UnitOfWork, event: Envelope) -> None:
    """Keep the indicator; when its sensitive flag changes, republish the payments it prices."""
    rows = _indicator_rows([event], services.clock.now())
    if not rows:
        return
    record = IndicatorEventData.model_validate(event.data).indicator
    async with uow:
        repo = ReadModelRepository(uow.session)
        was_controlled = bool(await repo.sensitive_codes({record.code}))
        await repo.put_indicators(rows)
        if record.sensitive != was_controlled:
            # Before anything else is published: a sensitive figure must stop showing now.
            await republish_for_indicator(services=services, uow=uow, code=record.code)
        await uow.commit()


async def record_themes(*, services: Services, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
    """Keep the theme vocabulary (commissions name themes from it)."""
    async with uow:
        await apply_theme_events(uow.session, orm.themes, events, services.clock.now())
        await uow.commit()


# The rebuild (``streetlevel-events rebuild``) writes the rows only: what the original events
# caused (payments republished when a flag changed) already happened and is not repeated.


async def restore_enterprises(
    session: AsyncSession, events: Sequence[Envelope], now: datetime
) -> None:
    """The enterprise rows of these events, nothing else."""
    await ReadModelRepository(session).put_enterprises(_enterprise_rows(events, now))


async def restore_indicators(
    session: AsyncSession, events: Sequence[Envelope], now: datetime
) -> None:
    """The indicator rows of these events, nothing else (a rebuild republishes no payment)."""
    await ReadModelRepository(session).put_indicators(_indicator_rows(events, now))


async def restore_themes(session: AsyncSession, events: Sequence[Envelope], now: datetime) -> None:
    """The theme rows of these events."""
    await apply_theme_events(session, orm.themes, events, now)


#: What ``streetlevel-events rebuild --service commissioning --read-model <name>`` refills.
READ_MODELS: dict[str, ReadModel] = {
    "enterprises": ReadModel(
        REGISTRY_TOPIC, "commissioning", (orm.enterprises,), orm.inbox, restore_enterprises
    ),
    "indicators": ReadModel(
        INDICATOR_TOPIC, "commissioning", (orm.indicators,), orm.inbox, restore_indicators
    ),
    "themes": ReadModel(THEME_TOPIC, "commissioning", (orm.themes,), orm.inbox, restore_themes),
}
