"""Consumers: registry and indicator read models (snapshots), outcome payments (ledger)."""

from __future__ import annotations

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.payloads import (
    INDICATOR_TOPIC,
    OBSERVATION_TOPIC,
    REGISTRY_TOPIC,
    EnterpriseEventData,
    IndicatorEventData,
)
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import apply_observation
from streetlevel.common.events import Envelope
from streetlevel.common.runtime import Runtime

#: One consumer group for the service (the Kafka ACLs and DLQ topics name it); the three
#: consumers differ only in kind, and their subjects never overlap in the shared inbox.
GROUP = "commissioning"


async def _upsert(session: AsyncSession, table: Table, key: str, values: dict[str, object]) -> None:
    column = table.c[key]
    result = await session.execute(update(table).where(column == values[key]).values(**values))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(insert(table).values(**values))


def register(runtime: Runtime, services: Services) -> None:
    """Subscribe the service's consumers (before the runtime starts)."""

    async def on_enterprise(session: AsyncSession, envelope: Envelope) -> None:
        if not envelope.short_type.startswith("registry.enterprise."):
            return
        record = EnterpriseEventData.model_validate(envelope.data).enterprise
        await _upsert(
            session,
            orm.enterprises,
            "id",
            {
                "id": record.id,
                "status": record.status,
                "name": record.name,
                "record": record.model_dump(mode="json"),
                "updated_at": services.clock.now(),
            },
        )

    async def on_indicator(session: AsyncSession, envelope: Envelope) -> None:
        if not envelope.short_type.startswith("outcomes.indicator."):
            return
        record = IndicatorEventData.model_validate(envelope.data).indicator
        await _upsert(
            session,
            orm.indicators,
            "code",
            {
                "code": record.code,
                "record": record.model_dump(mode="json"),
                "updated_at": services.clock.now(),
            },
        )

    async def on_observation(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.short_type.startswith("outcomes.observation."):
            await apply_observation(services, session, envelope)

    # The group carries the topic prefix so isolated deployments (and tests) never share one.
    group = services.settings.kafka_topic_prefix + GROUP
    runtime.consume(group, [REGISTRY_TOPIC], on_enterprise, kind="snapshot")
    runtime.consume(group, [INDICATOR_TOPIC], on_indicator, kind="snapshot")
    runtime.consume(group, [OBSERVATION_TOPIC], on_observation, kind="ledger")
