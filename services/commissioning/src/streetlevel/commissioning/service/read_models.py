"""Use cases of the read models other services' events feed: enterprises, indicators, themes."""

from __future__ import annotations

from collections.abc import Sequence

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.payloads import EnterpriseEventData, IndicatorEventData
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import republish_for_indicator
from streetlevel.common.events import Envelope
from streetlevel.common.themes import apply_theme_events
from streetlevel.common.uow import UnitOfWork


async def record_enterprises(
    *, services: Services, uow: UnitOfWork, events: Sequence[Envelope]
) -> None:
    """Keep the newest public record of each enterprise (eligibility reads it)."""
    now = services.clock.now()
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
    async with uow:
        await ReadModelRepository(uow.session).put_enterprises(rows)
        await uow.commit()


async def record_indicator(*, services: Services, uow: UnitOfWork, event: Envelope) -> None:
    """Keep the indicator; when its sensitive flag changes, republish the payments it prices."""
    if not event.short_type.startswith("outcomes.indicator."):
        return
    record = IndicatorEventData.model_validate(event.data).indicator
    async with uow:
        repo = ReadModelRepository(uow.session)
        was_controlled = bool(await repo.sensitive_codes({record.code}))
        await repo.put_indicators(
            [
                {
                    "code": record.code,
                    "record": record.model_dump(mode="json"),
                    "updated_at": services.clock.now(),
                }
            ]
        )
        if record.sensitive != was_controlled:
            # Before anything else is published: a sensitive figure must stop showing now.
            await republish_for_indicator(services=services, uow=uow, code=record.code)
        await uow.commit()


async def record_themes(*, services: Services, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
    """Keep the theme vocabulary (commissions name themes from it)."""
    async with uow:
        await apply_theme_events(uow.session, orm.themes, events, services.clock.now())
        await uow.commit()
