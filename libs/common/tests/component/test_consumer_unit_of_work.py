"""A consumer's use case gets a unit of work bound to the inbox's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.consumer import Delivery
from streetlevel.common.events import Envelope, envelope_for
from streetlevel.common.runtime import Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.common.uow import UnitOfWork
from streetlevel.testing.probe import TOPIC, Probe, Thing

ECHO = "probe.echo.v1"


class Echo(Thing):
    """An aggregate the consumer records an event on (published to its own topic)."""


def harness(tmp_path: Path) -> tuple[Runtime, Probe]:
    probe = Probe()
    settings = CommonSettings(
        service_name="probe", database_url=f"sqlite+aiosqlite:///{tmp_path}/probe.db"
    )
    runtime = Runtime(
        settings,
        outbox=probe.outbox,
        inbox=probe.inbox,
        clock=FrozenClock(),
        memory_bus=MemoryBus(),
    )
    return runtime, probe


def delivery(thing_id: str, *, poison: bool = False) -> Delivery:
    thing = Thing(id=thing_id)
    thing.change(poison=poison)
    [pending] = thing.take_events()
    env = envelope_for(pending, source="/test", time=FrozenClock().now())
    return Delivery(topic=TOPIC, key=thing_id, value=env.to_json())


async def outbox_causes(runtime: Runtime, probe: Probe) -> list[str | None]:
    async with runtime.sessions() as session:
        payloads = (await session.execute(select(probe.outbox.c.payload))).scalars().all()
    return [Envelope.from_json(bytes(p)).causationid for p in payloads]


async def test_tracked_events_reach_the_outbox_in_the_inbox_transaction_caused_by_the_event(
    tmp_path: Path,
) -> None:
    runtime, probe = harness(tmp_path)

    async def echo(uow: UnitOfWork, event: Envelope) -> None:
        async with uow:
            await probe.handle(uow.session, event)
            echoed = Echo(id=event.data["thing_id"])
            echoed.change(poison=bool(event.data.get("poison")))
            uow.track(echoed)
            await uow.commit()

    runtime.subscribe("probe-consumer", [TOPIC], echo, kind="snapshot")
    await probe.create_all(runtime.engine)
    runtime._processor(runtime.consumer_specs[0], dead_letters=None)
    processor = runtime.processors["probe-consumer"]
    first = delivery("a")
    await processor.process([first])
    await processor.process([first])  # redelivered: the inbox applies it once

    assert await outbox_causes(runtime, probe) == [Envelope.from_json(first.value).id]
    assert list((await probe.applied(runtime.engine)).values()) == [1]
    await runtime.engine.dispose()


async def test_a_failing_use_case_leaves_no_effect_no_outbox_row_and_no_inbox_row(
    tmp_path: Path,
) -> None:
    runtime, probe = harness(tmp_path)

    async def echo_then_fail(uow: UnitOfWork, event: Envelope) -> None:
        async with uow:
            echoed = Echo(id=event.data["thing_id"])
            echoed.change()
            uow.track(echoed)
            await uow.commit()
            await probe.handle(uow.session, event)  # poison: raises after the outbox write

    runtime.subscribe("probe-consumer", [TOPIC], echo_then_fail, kind="snapshot")
    await probe.create_all(runtime.engine)
    runtime._processor(runtime.consumer_specs[0], dead_letters=None)
    await runtime.processors["probe-consumer"].process([delivery("b", poison=True)])

    assert await outbox_causes(runtime, probe) == []
    async with runtime.sessions() as session:
        inbox_rows = (
            await session.execute(select(func.count()).select_from(probe.inbox.inbox))
        ).scalar_one()
        dead = (
            await session.execute(select(func.count()).select_from(probe.inbox.dead_letters))
        ).scalar_one()
    assert (inbox_rows, dead) == (0, 1)
    await runtime.engine.dispose()


async def test_a_batch_use_case_gets_a_bound_unit_of_work_too(tmp_path: Path) -> None:
    runtime, probe = harness(tmp_path)
    seen: list[int] = []

    async def record_all(uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        async with uow:
            await probe.handle_many(uow.session, events)
            seen.append(len(events))
            await uow.commit()

    runtime.subscribe("probe-consumer", [TOPIC], kind="snapshot", handler_many=record_all)
    await probe.create_all(runtime.engine)
    runtime._processor(runtime.consumer_specs[0], dead_letters=None)
    await runtime.processors["probe-consumer"].process([delivery("c"), delivery("d")])

    assert seen == [2]
    assert sorted((await probe.applied(runtime.engine)).values()) == [1, 1]
    await runtime.engine.dispose()


def test_subscribe_needs_a_use_case(tmp_path: Path) -> None:
    runtime, _probe = harness(tmp_path)
    with pytest.raises(ValueError, match="needs a handler"):
        runtime.subscribe("probe-consumer", [TOPIC])
