"""The relay on PostgreSQL works on its lease connection: no pool, no separate lease check."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select

from streetlevel.common.bus.kafka import KafkaPublisher
from streetlevel.common.clock import SystemClock
from streetlevel.common.db import asyncpg_dsn, begin_write, create_engine, session_factory
from streetlevel.common.events import Envelope
from streetlevel.common.lease import PostgresLease
from streetlevel.common.outbox import OutboxRelay, notify_channel
from streetlevel.common.uow import EventWriter, UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing
from streetlevel.testing.waiting import eventually


@dataclass
class Service:
    """A probe service with one relay, on a fresh database and a unique topic."""

    url: str
    bootstrap: str
    prefix: str
    probe: Probe = field(default_factory=Probe)
    relay: OutboxRelay | None = None

    def __post_init__(self) -> None:
        self.engine = create_engine(self.url, pool_size=1)  # a pool of two connections
        self.sessions = session_factory(self.engine)
        self.writer = EventWriter(
            outbox=self.probe.outbox,
            source="/streetlevel/probe",
            service="probe",
            clock=SystemClock(),
            is_postgres=True,
        )

    async def start_relay(self) -> OutboxRelay:
        publisher = KafkaPublisher(self.bootstrap, topic_prefix=self.prefix)
        await publisher.start()
        self.relay = OutboxRelay(
            engine=self.engine,
            table=self.probe.outbox,
            publisher=publisher,
            lease=PostgresLease(
                asyncpg_dsn(self.url), name="relay:probe", channel=notify_channel("probe")
            ),
            service="probe",
            poll_interval_s=0.1,
            max_backoff_s=0.2,
        )
        await self.relay.start()
        return self.relay

    async def change(self, things: list[Thing]) -> None:
        async with UnitOfWork(self.sessions, self.writer) as uow:
            for thing in things:
                thing.change()
                uow.track(thing)
            await uow.commit()

    async def backlog_is_empty(self) -> bool:
        assert self.relay is not None
        return await self.relay.backlog() == 0

    async def published(self) -> int:
        async with self.engine.connect() as conn:
            outbox = self.probe.outbox
            query = select(func.count()).where(outbox.c.published_at.is_not(None))
            return int((await conn.execute(query)).scalar_one())

    async def topic_events(self, expect: int) -> list[Envelope]:
        consumer = AIOKafkaConsumer(
            self.prefix + TOPIC,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        events: list[Envelope] = []
        try:
            deadline = time.monotonic() + 30
            while len(events) < expect and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    events.extend(Envelope.from_json(r.value) for r in records)
        finally:
            await consumer.stop()
        return events

    async def close(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
            await self.relay.publisher.stop()  # type: ignore[attr-defined]
        await self.engine.dispose()


@pytest.fixture
async def service(
    pg_database_factory: Any, kafka_broker: Any, topic_factory: Any, topic_prefix: str
) -> AsyncIterator[Service]:
    probe = Probe()

    url = await pg_database_factory("probe", prepare=probe.create_at)
    await topic_factory(TOPIC, partitions=3)
    made = Service(url=url, bootstrap=kafka_broker.bootstrap, prefix=topic_prefix, probe=probe)
    yield made
    await made.close()


def sequences(events: list[Envelope]) -> dict[str, list[int]]:
    """Each subject's sequences in the order they arrived, redeliveries dropped."""
    seen: set[str] = set()
    by_subject: dict[str, list[int]] = {}
    for event in events:
        if event.id not in seen:
            seen.add(event.id)
            by_subject.setdefault(event.subject, []).append(event.seq)
    return by_subject


async def test_the_relay_publishes_while_requests_hold_every_pooled_connection(
    service: Service,
) -> None:
    things = [Thing(id=f"busy{i}") for i in range(5)]
    for _ in range(4):
        await service.change(things)
    held = [await service.engine.connect() for _ in range(2)]  # the whole pool
    try:
        relay = await service.start_relay()
        await eventually(lambda: _published(relay, 20), "publishing without a pooled connection")
    finally:
        for conn in held:
            await conn.close()
    assert await service.published() == 20  # and every row is marked
    events = await service.topic_events(expect=20)
    assert sequences(events) == {f"thing/busy{i}": [1, 2, 3, 4] for i in range(5)}


async def _published(relay: OutboxRelay, count: int) -> bool:
    return relay.published >= count


async def test_a_killed_lease_connection_is_noticed_by_the_next_batch_and_nothing_is_lost(
    service: Service,
) -> None:
    things = [Thing(id=f"k{i}") for i in range(3)]
    relay = await service.start_relay()
    await service.change(things)
    await eventually(service.backlog_is_empty, "the first batch")
    lease = relay.lease
    assert isinstance(lease, PostgresLease)
    assert lease._conn is not None
    pid = lease._conn.get_server_pid()

    admin = await asyncpg.connect(asyncpg_dsn(service.url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    for _ in range(3):
        await service.change(things)

    await eventually(service.backlog_is_empty, "publishing after the lease came back")
    assert lease._conn is not None
    assert lease._conn.get_server_pid() != pid  # it noticed, reconnected and won the lock again
    events = await service.topic_events(expect=12)
    assert sequences(events) == {f"thing/k{i}": [1, 2, 3, 4] for i in range(3)}


async def test_a_row_that_commits_after_a_later_row_was_published_is_published_too(
    service: Service,
) -> None:
    early, late = Thing(id="early"), Thing(id="late")
    relay = await service.start_relay()
    slow = service.sessions()
    try:
        await begin_write(slow)
        early.change()
        await service.writer.write(slow, early.take_events())  # takes the lower outbox id
        await service.change([late])  # a higher id, committed and published first
        await eventually(lambda: _published(relay, 1), "the later row")
        await slow.commit()
    finally:
        await slow.close()

    await eventually(service.backlog_is_empty, "the earlier row, committed last")
    events = await service.topic_events(expect=2)
    assert sorted(e.subject for e in events) == ["thing/early", "thing/late"]


class DiesBeforeMarking(OutboxRelay):
    """The fault point of a crash after the broker acknowledged and before the rows are marked."""

    async def mark_published(self, ids: list[int]) -> None:
        raise RuntimeError("the process died here")


async def test_rows_acknowledged_but_not_marked_are_published_again_by_the_next_relay(
    service: Service,
) -> None:
    thing = Thing(id="again")
    for _ in range(3):
        await service.change([thing])
    publisher = KafkaPublisher(service.bootstrap, topic_prefix=service.prefix)
    await publisher.start()
    doomed = DiesBeforeMarking(
        engine=service.engine,
        table=service.probe.outbox,
        publisher=publisher,
        lease=PostgresLease(asyncpg_dsn(service.url), name="relay:probe"),
        service="probe",
    )
    try:
        assert await doomed.lease.acquire()
        with pytest.raises(RuntimeError):
            await doomed.publish_once()
    finally:
        await doomed.lease.release()
        await publisher.stop()
    assert await service.published() == 0  # acknowledged, yet nothing marked

    await service.start_relay()
    await eventually(service.backlog_is_empty, "the next relay")
    events = await service.topic_events(expect=6)
    assert len(events) == 6  # every event twice: once per relay
    assert sequences(events) == {"thing/again": [1, 2, 3]}
