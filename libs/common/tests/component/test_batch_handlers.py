"""Batch handlers in embedded mode: one call per batch, snapshots coalesced, poison isolated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.consumer import Delivery, EventProcessor
from streetlevel.common.db import create_engine, session_factory
from streetlevel.common.events import Envelope
from streetlevel.common.inbox import Applied, Inbox
from streetlevel.common.lease import LocalLease
from streetlevel.common.outbox import OutboxRelay
from streetlevel.common.uow import EventWriter, UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing


class Recorder:
    """A batch handler that records what it was given and delegates to the probe."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe
        self.calls: list[list[tuple[str, int]]] = []

    async def __call__(self, session: AsyncSession, events: Sequence[Envelope]) -> None:
        self.calls.append([(e.aggregate_id, e.seq) for e in events])
        await self.probe.handle_many(session, events)


class Harness:
    def __init__(self, tmp_path: Path, *, kind: str = "snapshot") -> None:
        self.probe = Probe()
        self.clock = FrozenClock()
        self.engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/batch.db")
        self.sessions = session_factory(self.engine)
        self.writer = EventWriter(
            outbox=self.probe.outbox,
            source="/streetlevel/probe",
            service="probe",
            clock=self.clock,
            is_postgres=False,
        )
        self.recorder = Recorder(self.probe)
        self.processor = EventProcessor(
            name="probe-batch",
            sessions=self.sessions,
            tables=self.probe.inbox,
            handler_many=self.recorder,
            kind=kind,  # type: ignore[arg-type]
            clock=self.clock,
        )
        self.bus = MemoryBus()
        self.bus.subscribe([TOPIC], self.processor)
        self.relay = OutboxRelay(
            engine=self.engine,
            table=self.probe.outbox,
            publisher=self.bus,
            lease=LocalLease(),
            service="probe",
            clock=self.clock,
        )

    async def change(self, things: list[Thing], *, poison: set[str] = frozenset()) -> None:
        async with UnitOfWork(self.sessions, self.writer) as uow:
            for thing in things:
                thing.change(poison=thing.id in poison)
                uow.track(thing)
            await uow.commit()

    async def events(self) -> list[Envelope]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(self.probe.outbox.c.payload).order_by(self.probe.outbox.c.id)
            )
            return [Envelope.from_json(r) for r in rows.scalars()]

    async def drain(self) -> None:
        await self.relay.lease.acquire()
        while await self.relay.publish_once():
            pass

    async def count(self, table: str) -> int:
        t = {"inbox": self.probe.inbox.inbox, "dead": self.probe.inbox.dead_letters}[table]
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(t))).scalar_one())


@pytest.fixture
async def harness(tmp_path: Path) -> Harness:
    h = Harness(tmp_path)
    await h.probe.create_all(h.engine)
    return h


def deliveries(events: list[Envelope]) -> list[Delivery]:
    return [Delivery(TOPIC, e.aggregate_id, e.to_json()) for e in events]


async def test_a_batch_handler_applies_a_whole_outbox_batch_in_one_call(harness: Harness) -> None:
    things = [Thing(id=f"t{i}") for i in range(50)]
    await harness.change(things)
    await harness.drain()

    assert len(harness.recorder.calls) == 1
    assert len(harness.recorder.calls[0]) == 50
    applied = await harness.probe.applied(harness.engine)
    assert len(applied) == 50
    assert set(applied.values()) == {1}


async def test_a_snapshot_batch_applies_only_the_newest_event_of_each_subject(
    harness: Harness,
) -> None:
    a, b = Thing(id="a"), Thing(id="b")
    for _ in range(3):
        await harness.change([a, b])
    await harness.change([a])
    events = await harness.events()

    await harness.processor.process(deliveries(events))

    assert harness.recorder.calls == [[("b", 3), ("a", 4)]]
    assert await harness.count("inbox") == 7  # superseded events are remembered too
    await harness.processor.process(deliveries(events))  # a redelivery changes nothing
    assert len(harness.recorder.calls) == 1
    applied = await harness.probe.applied(harness.engine)
    assert sorted(applied.values()) == [1, 1]


async def test_the_inbox_reports_superseded_stale_and_duplicate_events_in_a_batch(
    harness: Harness,
) -> None:
    thing = Thing(id="s")
    for _ in range(3):
        await harness.change([thing])
    first, second, third = await harness.events()
    inbox = Inbox(harness.probe.inbox, consumer="direct", kind="snapshot", clock=harness.clock)
    async with harness.sessions() as session:
        results = await inbox.apply_many(
            session, [second, first, second, third], handler_many=harness.recorder
        )
        await session.commit()
    assert results == [Applied.SUPERSEDED, Applied.STALE, Applied.DUPLICATE, Applied.APPLIED]
    assert harness.recorder.calls == [[("s", 3)]]


async def test_a_poison_event_in_a_batch_is_dead_lettered_while_the_rest_applies(
    harness: Harness,
) -> None:
    things = [Thing(id=f"p{i}") for i in range(5)]
    await harness.change(things, poison={"p2"})
    await harness.drain()

    applied = await harness.probe.applied(harness.engine)
    assert len(applied) == 4
    assert set(applied.values()) == {1}
    assert await harness.count("dead") == 1
    assert await harness.relay.backlog() == 0
    # The whole batch was tried once, then event by event (a ValueError is not retried).
    assert len(harness.recorder.calls) == 1 + 5


async def test_a_ledger_batch_handler_sees_every_event_in_sequence_order(tmp_path: Path) -> None:
    h = Harness(tmp_path, kind="ledger")
    await h.probe.create_all(h.engine)
    thing = Thing(id="l")
    for _ in range(3):
        await h.change([thing])

    await h.drain()

    assert h.recorder.calls == [[("l", 1), ("l", 2), ("l", 3)]]


async def test_a_ledger_gap_in_a_batch_parks_the_key_and_applies_the_others(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, kind="ledger")
    await h.probe.create_all(h.engine)
    gappy, other = Thing(id="g"), Thing(id="o")
    await h.change([gappy])
    await h.change([gappy, other])
    _first, second, other_first = await h.events()

    await h.processor.process(deliveries([second, other_first]))  # g#1 never came

    applied = await h.probe.applied(h.engine)
    assert set(applied) == {other_first.id}
    async with h.engine.connect() as conn:
        parked = (
            await conn.execute(select(h.probe.inbox.parked.c.key, h.probe.inbox.parked.c.error))
        ).all()
    assert [p.key for p in parked] == ["g"]
    assert "SequenceGap" in parked[0].error


async def test_the_relay_prunes_when_idle_at_most_once_per_interval(harness: Harness) -> None:
    await harness.relay.lease.acquire()
    for _ in range(3):
        await harness.relay._maybe_prune()
    assert harness.relay.pruned == 1
    harness.clock.advance(harness.relay.prune_every + timedelta(seconds=1))
    await harness.relay._maybe_prune()
    assert harness.relay.pruned == 2


def test_a_processor_needs_a_handler_or_a_batch_handler(harness: Harness) -> None:
    with pytest.raises(ValueError, match="handler"):
        EventProcessor(name="none", sessions=harness.sessions, tables=harness.probe.inbox)


async def test_a_notice_inbox_applies_every_event_once_whatever_its_sequence(
    harness: Harness,
) -> None:
    """Notices share their cause's subject and sequence; only a redelivered id is dropped."""
    thing = Thing(id="n")
    for _ in range(2):
        await harness.change([thing])
    first, second = await harness.events()
    twin = first.model_copy(update={"id": "twin-of-first"})  # same subject and sequence
    inbox = Inbox(harness.probe.inbox, consumer="notices", kind="notice", clock=harness.clock)
    async with harness.sessions() as session:
        results = await inbox.apply_many(
            session, [second, first, twin, first], handler_many=harness.recorder
        )
        await session.commit()
    assert results == [Applied.APPLIED, Applied.APPLIED, Applied.APPLIED, Applied.DUPLICATE]
    assert harness.recorder.calls == [[("n", 2), ("n", 1), ("n", 1)]]
