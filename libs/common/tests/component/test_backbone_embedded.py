"""The backbone's guarantees in embedded mode: SQLite, the outbox as durable log, MemoryBus."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.consumer import Delivery, EventProcessor
from streetlevel.common.db import create_engine, session_factory
from streetlevel.common.events import Envelope, PendingEvent
from streetlevel.common.lease import LocalLease
from streetlevel.common.outbox import OutboxMessage, OutboxRelay
from streetlevel.common.uow import EventWriter, UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing, ThingChanged


class Harness:
    def __init__(self, tmp_path: Path, *, kind: str = "snapshot") -> None:
        self.probe = Probe()
        self.clock = FrozenClock()
        self.engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/probe.db")
        self.sessions = session_factory(self.engine)
        self.writer = EventWriter(
            outbox=self.probe.outbox,
            source="/streetlevel/probe",
            service="probe",
            clock=self.clock,
            is_postgres=False,
        )
        self.bus = MemoryBus()
        self.processor = EventProcessor(
            name="probe-consumer",
            sessions=self.sessions,
            tables=self.probe.inbox,
            handler=self.probe.handle,
            kind=kind,
            clock=self.clock,  # type: ignore[arg-type]
        )
        self.bus.subscribe([TOPIC], self.processor)
        self.relay = OutboxRelay(
            engine=self.engine,
            table=self.probe.outbox,
            publisher=self.bus,
            lease=LocalLease(),
            service="probe",
            clock=self.clock,
        )

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.writer, on_commit=self.relay.wake)

    async def change(
        self, things: list[Thing], *, poison_at: set[tuple[str, int]] = frozenset()
    ) -> None:
        async with self.uow() as uow:
            for thing in things:
                thing.change(poison=(thing.id, thing.n + 1) in poison_at)
                uow.track(thing)
            await uow.commit()

    async def drain(self) -> None:
        await self.relay.lease.acquire()
        while await self.relay.publish_once():
            pass


@pytest.fixture
async def harness(tmp_path: Path) -> Harness:
    h = Harness(tmp_path)
    await h.probe.create_all(h.engine)
    return h


async def test_every_committed_event_is_applied_once_in_per_aggregate_order(
    harness: Harness,
) -> None:
    things = [Thing(id=f"t{i}") for i in range(5)]
    for _ in range(20):
        await harness.change(things)
    await harness.drain()

    applied = await harness.probe.applied(harness.engine)
    assert len(applied) == 100
    assert set(applied.values()) == {1}
    async with harness.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(harness.probe.effects.c.subject, harness.probe.effects.c.sequence)
            )
        ).all()
    for thing in things:
        seqs = sorted(r.sequence for r in rows if r.subject == f"thing/{thing.id}")
        assert seqs == list(range(1, 21))
    assert await harness.relay.backlog() == 0


async def test_a_crash_before_marking_rows_redelivers_and_the_inbox_applies_once(
    harness: Harness,
) -> None:
    thing = Thing(id="a")
    for _ in range(3):
        await harness.change([thing])

    class CrashAfterPublish(OutboxRelay):
        async def mark_published(self, ids: list[int]) -> None:
            raise RuntimeError("process died after the subscribers committed")

    crashing = CrashAfterPublish(
        engine=harness.engine,
        table=harness.probe.outbox,
        publisher=harness.bus,
        lease=LocalLease(),
        service="probe",
    )
    await crashing.lease.acquire()
    with pytest.raises(RuntimeError):
        await crashing.publish_once()
    assert await harness.relay.backlog() == 3  # nothing was marked: the outbox keeps them

    await harness.drain()  # the restarted relay delivers the same rows again
    applied = await harness.probe.applied(harness.engine)
    assert sorted(applied.values()) == [1, 1, 1]
    assert harness.bus.delivered == 6


async def test_an_older_snapshot_after_a_newer_one_is_ignored(harness: Harness) -> None:
    thing = Thing(id="s")
    await harness.change([thing])
    await harness.change([thing])
    async with harness.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    select(harness.probe.outbox.c.payload).order_by(harness.probe.outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
    first, second = (Envelope.from_json(r) for r in rows)
    for raw in (second, first, second):
        await harness.processor.process([Delivery(TOPIC, "s", raw.to_json())])
    applied = await harness.probe.applied(harness.engine)
    assert dict(applied) == {second.id: 1}


async def test_a_poison_event_is_dead_lettered_and_later_events_still_flow(
    harness: Harness,
) -> None:
    good, bad = Thing(id="good"), Thing(id="bad")
    await harness.change([bad], poison_at={("bad", 1)})
    await harness.change([good, bad])
    await harness.drain()

    applied = await harness.probe.applied(harness.engine)
    assert len(applied) == 2  # good#1 and bad#2; bad#1 is dead-lettered
    async with harness.engine.connect() as conn:
        dead = (await conn.execute(select(harness.probe.inbox.dead_letters))).all()
    assert len(dead) == 1
    assert "Poisoned" in dead[0].error
    assert await harness.relay.backlog() == 0


async def test_a_ledger_consumer_parks_a_failed_key_and_replays_it_in_order(tmp_path: Path) -> None:
    h = Harness(tmp_path, kind="ledger")
    await h.probe.create_all(h.engine)
    ledger, other = Thing(id="ledger"), Thing(id="other")
    await h.change([ledger], poison_at={("ledger", 1)})
    await h.change([ledger, other])
    await h.drain()

    applied = await h.probe.applied(h.engine)
    assert len(applied) == 1  # only "other": ledger#2 waits behind the parked ledger#1
    async with h.engine.connect() as conn:
        parked = (
            await conn.execute(
                select(func.count())
                .select_from(h.probe.inbox.parked)
                .where(h.probe.inbox.parked.c.key == "ledger")
            )
        ).scalar()
    assert parked == 2

    async def fixed_handler(session, event):  # type: ignore[no-untyped-def]
        await h.probe.handle(
            session, event.model_copy(update={"data": {**event.data, "poison": False}})
        )

    h.processor.handler = fixed_handler
    assert await h.processor.replay_parked() == 2
    applied = await h.probe.applied(h.engine)
    assert len(applied) == 3
    assert set(applied.values()) == {1}


async def test_a_second_writer_waits_for_the_first_instead_of_failing(harness: Harness) -> None:
    things = [Thing(id=f"w{i}") for i in range(10)]

    async def write(thing: Thing) -> None:
        for _ in range(5):
            await harness.change([thing])

    await asyncio.gather(*(write(t) for t in things))
    await harness.drain()
    assert len(await harness.probe.applied(harness.engine)) == 50


def test_pending_events_carry_sequence_and_subject() -> None:
    thing = Thing(id="x")
    thing.change()
    thing.change()
    events = thing.take_events()
    assert [e.sequence for e in events] == [1, 2]
    assert all(isinstance(e, PendingEvent) and e.subject == "thing/x" for e in events)
    assert isinstance(events[0].payload, ThingChanged)
    assert thing.take_events() == []
    message = OutboxMessage(id=1, topic=TOPIC, key="x", event_id="e", event_type="t", value=b"")
    assert message.headers == ()


def test_kafka_sasl_settings_fail_fast_and_reach_every_client() -> None:
    from pydantic import ValidationError

    from streetlevel.common.settings import CommonSettings

    pg = "postgresql+asyncpg://u@h/db"
    with pytest.raises(ValidationError, match="SASL needs"):
        CommonSettings(
            database_url=pg,
            bus="kafka",
            kafka_bootstrap_servers="k:9092",
            kafka_security_protocol="SASL_PLAINTEXT",
        )
    settings = CommonSettings(
        database_url=pg,
        bus="kafka",
        kafka_bootstrap_servers="k:9092",
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="registry",
        kafka_sasl_password="s3cret",
    )
    options = settings.kafka_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_password"] == "s3cret"
    assert "s3cret" not in repr(settings)


def test_money_refuses_non_numbers_infinity_and_overflow() -> None:
    from streetlevel.common.db import to_pence

    for bad in ("abc", "Infinity", "NaN", "1e30", "0.001"):
        with pytest.raises(ValueError):  # noqa: PT011 - the message varies by cause
            to_pence(bad)
    assert to_pence("12500.00") == 1_250_000


def test_a_problem_extension_cannot_shadow_a_standard_member() -> None:
    from streetlevel.common.errors import Conflict

    with pytest.raises(TypeError, match="reserved"):
        Conflict("already verified", status="verified")
    assert Conflict("already verified", current_status="verified").extensions == {
        "current_status": "verified"
    }
