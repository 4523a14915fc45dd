"""A consumer's transaction on PostgreSQL: no checkout ping, its own retry replaces it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.consumer import Delivery, EventProcessor
from streetlevel.common.db import asyncpg_dsn, create_engine, session_factory
from streetlevel.common.events import envelope_for
from streetlevel.testing.probe import TOPIC, Probe, Thing


@pytest.fixture
async def probe_db(pg_database_factory: Any) -> AsyncIterator[tuple[Probe, AsyncEngine]]:
    probe = Probe()

    url = await pg_database_factory("probe", prepare=probe.create_at)
    engine = create_engine(url, pool_size=1)
    yield probe, engine
    await engine.dispose()


def deliveries(*things: Thing) -> list[Delivery]:
    """One event of each thing (distinct subjects, so none supersedes another)."""
    for thing in things:
        thing.change()
    return [
        Delivery(topic=TOPIC, key=thing.id, value=envelope_for(p, source="/test").to_json())
        for thing in things
        for p in thing.take_events()
    ]


def processor(probe: Probe, engine: AsyncEngine, sleeps: list[float]) -> EventProcessor:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return EventProcessor(
        name="probe-consumer",
        sessions=session_factory(engine),
        tables=probe.inbox,
        handler_many=probe.handle_many,
        sleep=sleep,
    )


async def test_a_consumer_transaction_sends_no_ping(probe_db: tuple[Probe, AsyncEngine]) -> None:
    probe, engine = probe_db
    sent: list[str] = []

    @event.listens_for(engine.sync_engine.pool, "connect")
    def _log(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda q: sent.append(q.query))

    consumer = processor(probe, engine, [])
    things = [Thing(id="quiet1"), Thing(id="quiet2")]
    for _ in range(3):  # the pool's connections are reused: only the first is fresh
        await consumer.process(deliveries(*things))
    await asyncio.sleep(0.05)  # asyncpg calls query loggers soon after, not during, a query
    consumer_sent = list(sent)
    assert len(await probe.applied(engine)) == 6
    assert "COMMIT;" in consumer_sent
    assert "SELECT 1" not in consumer_sent


async def test_after_a_restart_closed_the_pool_a_consumer_retries_once_and_applies(
    probe_db: tuple[Probe, AsyncEngine],
) -> None:
    probe, engine = probe_db
    sleeps: list[float] = []
    consumer = processor(probe, engine, sleeps)
    things = [Thing(id="restart1"), Thing(id="restart2")]
    await consumer.process(deliveries(*things))
    held = [await engine.connect() for _ in range(2)]  # open the whole pool
    for conn in held:
        await conn.close()
    dsn = asyncpg_dsn(engine.url.render_as_string(hide_password=False))
    admin = await asyncpg.connect(dsn)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert killed == 2

    await consumer.process(deliveries(*things))
    applied = await probe.applied(engine)
    assert len(applied) == 4
    assert set(applied.values()) == {1}
    assert len(sleeps) == 1  # one failed attempt; SQLAlchemy replaced the whole pool after it
