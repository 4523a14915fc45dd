"""The backbone's guarantees on real PostgreSQL and a real Kafka broker."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streetlevel.common.bus.kafka import (
    KafkaConsumerRunner,
    KafkaDeadLetterSink,
    KafkaPublisher,
    dlq_topic,
)
from streetlevel.common.clock import SystemClock
from streetlevel.common.consumer import EventProcessor
from streetlevel.common.db import asyncpg_dsn, create_engine, session_factory
from streetlevel.common.events import Envelope
from streetlevel.common.lease import PostgresLease
from streetlevel.common.metrics import EVENTS_APPLIED
from streetlevel.common.outbox import OutboxRelay, notify_channel
from streetlevel.common.uow import EventWriter, UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing
from streetlevel.testing.waiting import eventually

GROUP = "probe-consumer"


@dataclass
class Backbone:
    """One probe service on a fresh database and unique topics."""

    url: str
    bootstrap: str
    prefix: str
    probe: Probe = field(default_factory=Probe)
    relays: list[OutboxRelay] = field(default_factory=list)
    runners: list[KafkaConsumerRunner] = field(default_factory=list)
    publishers: list[KafkaPublisher] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.url, pool_size=5)
        self.sessions = session_factory(self.engine)
        self.writer = EventWriter(
            outbox=self.probe.outbox,
            source="/streetlevel/probe",
            service="probe",
            clock=SystemClock(),
            is_postgres=True,
        )

    @property
    def topic(self) -> str:
        return self.prefix + TOPIC

    async def publisher(self, **options: int) -> KafkaPublisher:
        publisher = KafkaPublisher(self.bootstrap, topic_prefix=self.prefix, **options)
        await publisher.start()
        self.publishers.append(publisher)
        return publisher

    async def relay(
        self, *, relay_class: type[OutboxRelay] = OutboxRelay, **publisher_options: int
    ) -> OutboxRelay:
        relay = relay_class(
            engine=self.engine,
            table=self.probe.outbox,
            publisher=await self.publisher(**publisher_options),
            lease=PostgresLease(
                asyncpg_dsn(self.url), name="relay:probe", channel=notify_channel("probe")
            ),
            service="probe",
            poll_interval_s=0.1,
            max_backoff_s=0.5,
        )
        await relay.start()
        self.relays.append(relay)
        return relay

    async def consumer(
        self,
        *,
        runner_class: type[KafkaConsumerRunner] = KafkaConsumerRunner,
        kind: str = "snapshot",
        max_records: int = 500,
        batch: bool = False,
    ) -> KafkaConsumerRunner:
        sink = KafkaDeadLetterSink(await self.publisher(), GROUP)
        processor = EventProcessor(
            name=GROUP,
            sessions=self.sessions,
            tables=self.probe.inbox,
            handler=None if batch else self.probe.handle,
            handler_many=self.probe.handle_many if batch else None,
            kind=kind,  # type: ignore[arg-type]
            dead_letters=sink,
            max_retries=3,
            max_backoff_s=0.5,
        )
        runner = runner_class(
            bootstrap=self.bootstrap,
            group=GROUP,
            topics=[self.topic],
            processor=processor,
            max_records=max_records,
        )
        await runner.start()
        self.runners.append(runner)
        return runner

    async def change(self, things: list[Thing], poison: bool = False) -> None:
        async with UnitOfWork(self.sessions, self.writer) as uow:
            for thing in things:
                thing.change(poison=poison)
                uow.track(thing)
            await uow.commit()

    async def read_topic(self, topic: str | None = None, expect: int = 0) -> list[Envelope]:
        """Everything on ``topic`` from the beginning (at least ``expect`` messages)."""
        consumer = AIOKafkaConsumer(
            topic or self.topic,
            bootstrap_servers=self.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        events: list[Envelope] = []
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    events.extend(Envelope.from_json(r.value) for r in records)
                if not batch and len(events) >= expect:
                    break
        finally:
            await consumer.stop()
        return events

    async def close(self) -> None:
        for runner in self.runners:
            with contextlib.suppress(Exception):
                await runner.stop()
        for relay in self.relays:
            with contextlib.suppress(Exception):
                await relay.stop()
        for publisher in self.publishers:
            with contextlib.suppress(Exception):
                await publisher.stop()
        await self.engine.dispose()


@pytest.fixture
async def backbone(
    pg_database_factory,
    kafka_broker,
    topic_factory,  # type: ignore[no-untyped-def]
    topic_prefix: str,
) -> AsyncIterator[Backbone]:
    probe = Probe()

    url = await pg_database_factory("probe", prepare=probe.create_at)
    await topic_factory(TOPIC, partitions=3)
    await topic_factory(dlq_topic(topic_prefix + TOPIC, GROUP), partitions=1)
    bb = Backbone(url=url, bootstrap=kafka_broker.bootstrap, prefix=topic_prefix, probe=probe)
    yield bb
    await bb.close()


def assert_per_aggregate_order(events: list[Envelope], expected_per_subject: int) -> None:
    """After dropping redeliveries, each subject's sequences arrive as 1, 2, …, N."""
    seen: set[str] = set()
    by_subject: dict[str, list[int]] = defaultdict(list)
    for event in events:
        if event.id not in seen:
            seen.add(event.id)
            by_subject[event.subject].append(event.seq)
    for subject, seqs in by_subject.items():
        assert seqs == list(range(1, expected_per_subject + 1)), subject


async def test_two_thousand_events_survive_a_broker_outage_in_per_aggregate_order(
    backbone: Backbone, kafka_broker
) -> None:  # type: ignore[no-untyped-def]
    things = [Thing(id=f"agg{i:02d}") for i in range(20)]
    await backbone.relay(request_timeout_ms=3000)
    for _ in range(40):
        await backbone.change(things)  # 800 events while the broker is up

    await eventually(lambda: _published_at_least(backbone, 400), what="first publishes")
    kafka_broker.stop()
    for _ in range(30):
        await backbone.change(things)  # 600 more while it is down: they wait in the outbox
    assert await backbone.relays[0].backlog() > 0
    kafka_broker.start()
    for _ in range(30):
        await backbone.change(things)  # and 600 after it is back

    await eventually(lambda: _backlog_is(backbone, 0), within=120, what="outbox drained")
    events = await backbone.read_topic(expect=2000)
    assert len({e.id for e in events}) == 2000
    assert_per_aggregate_order(events, 100)
    print(
        f"\nbroker outage: {len(events)} delivered for 2000 distinct events "
        f"({len(events) - 2000} redelivered)"
    )


async def _published_at_least(backbone: Backbone, count: int) -> bool:
    return backbone.relays[0].published >= count


async def _backlog_is(backbone: Backbone, count: int) -> bool:
    return await backbone.relays[0].backlog() == count


class Crash(Exception):
    """The fault point: the process dies between its DB commit and its offset commit."""


class CrashBeforeOffsetCommit(KafkaConsumerRunner):
    crashes_left = 1

    async def commit_offset(self, tp: TopicPartition, offset: int) -> None:
        if CrashBeforeOffsetCommit.crashes_left > 0:
            CrashBeforeOffsetCommit.crashes_left -= 1
            raise Crash
        await super().commit_offset(tp, offset)


async def test_a_consumer_killed_between_db_commit_and_offset_commit_applies_once(
    backbone: Backbone,
) -> None:
    things = [Thing(id=f"c{i}") for i in range(6)]
    for _ in range(50):
        await backbone.change(things)
    await backbone.relay()
    await eventually(lambda: _backlog_is(backbone, 0), what="published")

    crashing = await backbone.consumer(runner_class=CrashBeforeOffsetCommit, max_records=50)
    await eventually(lambda: _task_done(crashing), what="the crash")
    # The loop ended on the crash: recorded (so /livez fails), and the member left its group.
    assert isinstance(crashing.failure, Crash)
    applied_before_restart = sum((await backbone.probe.applied(backbone.engine)).values())
    assert applied_before_restart > 0  # the DB commit happened; the offset commit did not
    await crashing.stop()
    backbone.runners.remove(crashing)

    duplicates_before = EVENTS_APPLIED.labels(GROUP, "duplicate")._value.get()
    await backbone.consumer()  # the restarted process gets the uncommitted batch again
    await eventually(lambda: _applied_count(backbone, 300), what="all effects")
    applied = await backbone.probe.applied(backbone.engine)
    assert len(applied) == 300
    assert set(applied.values()) == {1}
    redelivered = EVENTS_APPLIED.labels(GROUP, "duplicate")._value.get() - duplicates_before
    assert redelivered >= 1  # the batch really came twice; the inbox made it a no-op


async def _task_done(runner: KafkaConsumerRunner) -> bool:
    return runner.task is not None and runner.task.done()


async def _applied_count(backbone: Backbone, count: int) -> bool:
    return len(await backbone.probe.applied(backbone.engine)) >= count


async def test_a_duplicate_is_applied_once_and_an_older_snapshot_is_ignored(
    backbone: Backbone,
) -> None:
    thing = Thing(id="dup")
    await backbone.change([thing])
    await backbone.change([thing])
    async with backbone.engine.connect() as conn:
        from sqlalchemy import select

        rows = (
            (
                await conn.execute(
                    select(backbone.probe.outbox.c.payload).order_by(backbone.probe.outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
    first, second = (Envelope.from_json(r) for r in rows)
    publisher = await backbone.publisher()
    for event in (first, first, second, first, second):
        await publisher.send_raw(
            backbone.topic, event.to_json(), b"dup", [("ce_id", event.id.encode())]
        )
    await backbone.consumer()
    await eventually(lambda: _applied_count(backbone, 2), what="both events")
    await asyncio.sleep(0)  # let the runner finish the batch it has
    applied = await backbone.probe.applied(backbone.engine)
    assert dict(applied) == {first.id: 1, second.id: 1}


async def test_a_poison_event_goes_to_the_dlq_and_the_partition_keeps_flowing(
    backbone: Backbone,
) -> None:
    thing = Thing(id="p")  # one key: one partition, poison in the middle
    await backbone.change([thing])
    await backbone.change([thing], poison=True)
    for _ in range(5):
        await backbone.change([thing])
    await backbone.relay()
    await backbone.consumer()

    await eventually(lambda: _applied_count(backbone, 6), what="events after the poison")
    dead = await backbone.read_topic(dlq_topic(backbone.topic, GROUP), expect=1)
    assert [e.seq for e in dead] == [2]
    assert dead[0].data["poison"] is True


async def test_a_consumer_pauses_while_the_database_is_down_and_resumes(
    backbone: Backbone, pg_server
) -> None:  # type: ignore[no-untyped-def]
    things = [Thing(id=f"d{i}") for i in range(3)]
    for _ in range(10):
        await backbone.change(things)
    # Publish from a relay, then stop it: its lease must not outlive the DB restart here.
    relay = await backbone.relay()
    await eventually(lambda: _backlog_is(backbone, 0), what="published")
    await relay.stop()
    backbone.relays.remove(relay)

    pg_server.stop()
    try:
        runner = await backbone.consumer()
        await eventually(lambda: _paused(runner), what="the consumer to pause")
    finally:
        pg_server.start()
    await eventually(lambda: _applied_count(backbone, 30), within=60, what="resumed")
    applied = await backbone.probe.applied(backbone.engine)
    assert set(applied.values()) == {1}
    dead = await backbone.read_topic(dlq_topic(backbone.topic, GROUP), expect=0)
    assert dead == []


async def _paused(runner: KafkaConsumerRunner) -> bool:
    return runner.processor.paused_attempts >= 2


async def test_two_relays_publish_through_one_lease_and_the_standby_takes_over(
    backbone: Backbone,
) -> None:
    things = [Thing(id=f"r{i}") for i in range(4)]
    first = await backbone.relay()
    second = await backbone.relay()
    for _ in range(25):
        await backbone.change(things)
    await eventually(lambda: _backlog_is(backbone, 0), what="published")
    active, standby = (first, second) if first.published else (second, first)
    assert active.published == 100
    assert standby.published == 0

    # Kill the active relay as a crash would: its task ends, its connection drops.
    assert active._task is not None
    active._task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await active._task
    active.lease.abandon()  # type: ignore[attr-defined]
    backbone.relays.remove(active)

    for _ in range(25):
        await backbone.change(things)
    await eventually(lambda: _backlog_is(backbone, 0), what="standby publishing")
    assert standby.published == 100
    events = await backbone.read_topic(expect=200)
    assert len({e.id for e in events}) == 200
    assert_per_aggregate_order(events, 50)


async def test_the_replay_command_puts_a_fixed_dead_letter_back_exactly_once(
    backbone: Backbone,
) -> None:
    from streetlevel.common.replay import replay_dead_letters

    thing = Thing(id="fixme")  # the newest state is the poison, so replaying it matters
    await backbone.change([thing])
    await backbone.change([thing], poison=True)
    await backbone.relay()
    await backbone.consumer()
    await eventually(lambda: _applied_count(backbone, 1), what="the healthy event")
    await backbone.read_topic(dlq_topic(backbone.topic, GROUP), expect=1)

    original = backbone.probe.handle

    async def fixed(session, event):  # type: ignore[no-untyped-def]
        await original(session, event.model_copy(update={"data": {**event.data, "poison": False}}))

    for runner in backbone.runners:
        runner.processor.handler = fixed
    result = await replay_dead_letters(
        bootstrap=backbone.bootstrap, topic=backbone.topic, group=GROUP
    )
    assert result.replayed == 1
    again = await replay_dead_letters(
        bootstrap=backbone.bootstrap, topic=backbone.topic, group=GROUP
    )
    assert again.replayed == 0
    await eventually(lambda: _applied_count(backbone, 2), what="the replayed event")
    applied = await backbone.probe.applied(backbone.engine)
    assert set(applied.values()) == {1}


async def test_a_commit_wakes_the_relay_through_listen_notify_not_the_poll(
    backbone: Backbone,
) -> None:
    relay = await backbone.relay()
    relay.poll_interval_s = 3600  # only NOTIFY can wake it now
    await eventually(lambda: _lease_held(relay), what="the lease")
    await asyncio.sleep(0.2)  # let the relay enter its long wait
    await backbone.change([Thing(id="wake")])
    await eventually(lambda: _published_at_least(backbone, 1), within=10, what="NOTIFY wake-up")


async def _lease_held(relay: OutboxRelay) -> bool:
    return relay.lease.is_held


async def test_published_rows_are_pruned_after_the_retention_period(backbone: Backbone) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from streetlevel.common.clock import FrozenClock

    clock = FrozenClock()
    relay = await backbone.relay()
    relay.clock = clock
    await backbone.change([Thing(id="old")])
    await eventually(lambda: _backlog_is(backbone, 0), what="published")
    clock.advance(relay.retention + timedelta(minutes=1))
    await backbone.change([Thing(id="new")])
    await eventually(lambda: _backlog_is(backbone, 0), what="published")
    await relay.prune()
    async with backbone.engine.connect() as conn:
        left = (
            await conn.execute(select(func.count()).select_from(backbone.probe.outbox))
        ).scalar_one()
    assert left == 1  # the new row stays until it too is older than the retention


async def _inbox_count(backbone: Backbone, count: int) -> bool:
    from sqlalchemy import func, select

    async with backbone.engine.connect() as conn:
        seen = (
            await conn.execute(select(func.count()).select_from(backbone.probe.inbox.inbox))
        ).scalar_one()
    return int(seen) >= count


async def test_a_batch_consumer_records_every_event_once_and_lands_each_newest_snapshot(
    backbone: Backbone,
) -> None:
    things = [Thing(id=f"b{i:02d}") for i in range(20)]
    for _ in range(5):
        await backbone.change(things)
    await backbone.relay()
    await eventually(lambda: _backlog_is(backbone, 0), what="published")
    await backbone.consumer(batch=True)  # the whole backlog waits: batches hold old snapshots

    await eventually(lambda: _inbox_count(backbone, 100), what="every event in the inbox")
    async with backbone.engine.connect() as conn:
        from sqlalchemy import func, select

        effects = backbone.probe.effects
        newest = dict(
            (
                await conn.execute(
                    select(effects.c.subject, func.max(effects.c.sequence)).group_by(
                        effects.c.subject
                    )
                )
            ).all()
        )
    assert newest == {f"thing/b{i:02d}": 5 for i in range(20)}
    applied = await backbone.probe.applied(backbone.engine)
    assert set(applied.values()) == {1}
    assert len(applied) <= 100  # superseded snapshots have no effect of their own


async def test_a_poison_event_in_a_batch_goes_to_the_dlq_while_the_batch_applies(
    backbone: Backbone,
) -> None:
    things = [Thing(id=f"q{i}") for i in range(10)]
    await backbone.change(things)
    await backbone.change(things[:3])
    await backbone.change([things[3]], poison=True)  # the newest of q3: never superseded
    await backbone.relay()
    await eventually(lambda: _backlog_is(backbone, 0), what="published")
    await backbone.consumer(batch=True)

    dead = await backbone.read_topic(dlq_topic(backbone.topic, GROUP), expect=1)
    assert [(e.subject, e.seq) for e in dead] == [("thing/q3", 2)]
    await eventually(lambda: _inbox_count(backbone, 13), what="every other event")
    applied = await backbone.probe.applied(backbone.engine)
    assert set(applied.values()) == {1}
    async with backbone.engine.connect() as conn:
        from sqlalchemy import select

        effects = backbone.probe.effects
        subjects = set((await conn.execute(select(effects.c.subject).distinct())).scalars())
    assert subjects == {f"thing/q{i}" for i in range(10)}  # q3#1 applied before the poison
