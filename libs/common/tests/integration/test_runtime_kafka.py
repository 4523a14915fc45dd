"""The runtime on PostgreSQL and Kafka: one group member for a group's topics, batch handlers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.bus.kafka import dlq_topic, ensure_topics
from streetlevel.common.events import DomainEvent, Envelope
from streetlevel.common.runtime import Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.testing.probe import TOPIC, Probe, Thing
from streetlevel.testing.waiting import eventually

OTHER = "probe.other.v1"


class OtherChanged(DomainEvent):
    """A second topic, consumed under the same group with a per-event handler."""

    event_type = "probe.other.changed.v1"
    topic = OTHER
    thing_id: str


async def test_a_group_with_two_topics_joins_once_and_batches_its_read_model(
    pg_database_factory,  # type: ignore[no-untyped-def]
    kafka_broker,
    topic_prefix: str,
) -> None:
    probe = Probe()
    others = Table("probe_others", probe.metadata, Column("id", String(36), primary_key=True))

    url = await pg_database_factory("probe_runtime", prepare=probe.create_at)
    settings = CommonSettings(
        service_name="probe",
        database_url=url,
        bus="kafka",
        kafka_bootstrap_servers=kafka_broker.bootstrap,
        kafka_topic_prefix=topic_prefix,
        outbox_poll_interval_s=0.1,
    )
    runtime = Runtime(settings, outbox=probe.outbox, inbox=probe.inbox, publishes=[TOPIC, OTHER])
    batches: list[int] = []

    async def things(session: AsyncSession, events: Sequence[Envelope]) -> None:
        batches.append(len(events))
        await probe.handle_many(session, events)

    async def other(session: AsyncSession, event: Envelope) -> None:
        await session.execute(others.insert().values(id=event.id))

    runtime.consume("probe-group", [TOPIC], kind="snapshot", handler_many=things)
    runtime.consume("probe-group", [OTHER], other, kind="snapshot")
    await runtime.start()
    try:
        assert len(runtime.runners) == 1
        assert sorted(runtime.runners[0].topics) == sorted(topic_prefix + t for t in (TOPIC, OTHER))
        items = [Thing(id=f"g{i}") for i in range(30)]
        async with runtime.uow() as uow:
            for item in items:
                item.change()
                uow.track(item)
                item.record(OtherChanged(thing_id=item.id), subject=f"other/{item.id}")
            await uow.commit()

        async def done() -> bool:
            async with runtime.engine.connect() as conn:
                effects = (
                    await conn.execute(select(func.count()).select_from(probe.effects))
                ).scalar_one()
                other_rows = (
                    await conn.execute(select(func.count()).select_from(others))
                ).scalar_one()
            return bool(effects == 30 and other_rows == 30)

        await eventually(done)
        assert sum(batches) == 30
        assert len(batches) < 30  # the read model got batches, not one call per event
        assert runtime.runners[0].joined
    finally:
        await runtime.stop()


async def test_creating_topics_that_exist_is_one_harmless_request(
    kafka_broker,  # type: ignore[no-untyped-def]
    topic_prefix: str,
) -> None:
    topics = [topic_prefix + TOPIC, dlq_topic(topic_prefix + TOPIC, "g")]
    await ensure_topics(kafka_broker.bootstrap, topics, partitions=1)
    await ensure_topics(kafka_broker.bootstrap, [*topics, topic_prefix + OTHER], partitions=1)
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        await admin.delete_topics([*topics, topic_prefix + OTHER])
    finally:
        await admin.close()
    assert {*topics, topic_prefix + OTHER} <= existing
