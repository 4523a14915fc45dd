"""Consumers: enterprise, theme and indicator read models (snapshots), payments (ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
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
from streetlevel.common.db import upsert
from streetlevel.common.events import Envelope
from streetlevel.common.runtime import Runtime
from streetlevel.common.themes import THEME_TOPIC, apply_theme_events

#: One consumer group for the service (the Kafka ACLs and DLQ topics name it); the
#: consumers differ only in kind, and their subjects never overlap in the shared inbox.
GROUP = "commissioning"


async def upsert_many(
    session: AsyncSession, table: Table, key: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or replace ``rows`` by ``key`` in one statement (the last row of a key wins)."""
    unique = list({row[key]: row for row in rows}.values())
    if not unique:
        return
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else "sqlite"
    columns = tuple(name for name in unique[0] if name != key)
    await session.execute(upsert(table, dialect, (key,), columns), unique)


def register(runtime: Runtime, services: Services) -> None:
    """Subscribe the service's consumers (before the runtime starts)."""

    async def on_enterprises(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        now = services.clock.now()
        rows = []
        for envelope in envelopes:
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
        await upsert_many(session, orm.enterprises, "id", rows)

    async def on_indicators(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        now = services.clock.now()
        rows = []
        for envelope in envelopes:
            if not envelope.short_type.startswith("outcomes.indicator."):
                continue
            record = IndicatorEventData.model_validate(envelope.data).indicator
            rows.append(
                {"code": record.code, "record": record.model_dump(mode="json"), "updated_at": now}
            )
        await upsert_many(session, orm.indicators, "code", rows)

    async def on_themes(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await apply_theme_events(session, orm.themes, envelopes, services.clock.now())

    async def on_observation(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.short_type.startswith("outcomes.observation."):
            await apply_observation(services, session, envelope)

    # The group carries the topic prefix so isolated deployments (and tests) never share one.
    group = services.settings.kafka_topic_prefix + GROUP
    runtime.consume(group, [REGISTRY_TOPIC], kind="snapshot", handler_many=on_enterprises)
    runtime.consume(group, [INDICATOR_TOPIC], kind="snapshot", handler_many=on_indicators)
    runtime.consume(group, [THEME_TOPIC], kind="snapshot", handler_many=on_themes)
    runtime.consume(group, [OBSERVATION_TOPIC], on_observation, kind="ledger")
