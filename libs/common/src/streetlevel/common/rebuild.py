"""``streetlevel-events rebuild``: drop a snapshot read model and apply its topic again.

Safe while the service runs: one transaction locks the read model's tables against writers
(readers keep seeing the old rows until the commit), reads the topic from its beginning to the
end offsets taken after the lock, clears the rows, the inbox rows of the events read and the
subjects' sequences, and applies the events through the inbox again. The service's consumer
group and its offsets are not touched: a record the running consumer delivers afterwards is
either one the rebuild applied (an inbox duplicate) or newer than everything it read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.clock import Clock, SystemClock
from streetlevel.common.db import create_engine
from streetlevel.common.events import Envelope
from streetlevel.common.inbox import Inbox, InboxTables

#: Applies a batch of snapshot events at ``now`` to the read model, with no other effect.
Apply = Callable[[AsyncSession, Sequence[Envelope], datetime], Awaitable[None]]
T = TypeVar("T")
#: Events applied per inbox round inside the one transaction (bounds the IN lists).
CHUNK = 1000


@dataclass(frozen=True)
class ReadModel:
    """A read model a snapshot consumer keeps from one topic: what a rebuild drops and refills."""

    topic: str
    #: The consumer group (and inbox consumer name) that keeps it, without the topic prefix.
    group: str
    tables: tuple[Table, ...]
    inbox: InboxTables
    apply: Apply


@dataclass(frozen=True)
class RebuildResult:
    read_model: str
    topic: str
    records: int
    rows_before: int
    rows_after: int


async def read_topic(
    bootstrap: str, topic: str, *, client_options: dict[str, Any] | None = None
) -> list[Envelope]:
    """Every record of ``topic`` from its beginning to the end offsets of now, in log order."""
    options = client_options or {}
    partitions = await _partitions(bootstrap, topic, options)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **options)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if end[tp] > await consumer.position(tp)}
        events: list[Envelope] = []
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000, max_records=CHUNK)
            for tp, records in batch.items():
                events += [
                    Envelope.from_json(r.value) for r in records if r.offset < end[tp] and r.value
                ]
            # By position, not by the last record's offset: compaction leaves gaps.
            remaining = {tp for tp in remaining if await consumer.position(tp) < end[tp]}
        return events
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topic: str, options: dict[str, Any]) -> list[int]:
    """The topic's partitions; LookupError if it does not exist (never auto-created here)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            raise LookupError(f"no topic {topic!r} on {bootstrap}")
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(p["partition"] for t in described for p in t["partitions"])


async def rebuild(
    *,
    name: str,
    model: ReadModel,
    database_url: str,
    bootstrap: str,
    topic_prefix: str = "",
    client_options: dict[str, Any] | None = None,
    clock: Clock | None = None,
) -> RebuildResult:
    """Drop ``model`` and apply its topic again, in one transaction (see the module)."""
    consumer = topic_prefix + model.group
    topic = topic_prefix + model.topic
    clock = clock or SystemClock()
    inbox = Inbox(model.inbox, consumer=consumer, kind="snapshot", clock=clock)
    now = clock.now()

    async def apply(session: AsyncSession, events: Sequence[Envelope]) -> None:
        await model.apply(session, events, now)

    # The service's own engine set-up: its JSON columns are written exactly as it writes them.
    engine = create_engine(database_url, pool_size=1)
    try:
        async with AsyncSession(engine) as session, session.begin():
            if engine.dialect.name == "postgresql":
                # Writers wait (the running consumer too); readers see the old rows meanwhile.
                names = ", ".join(f'"{t.name}"' for t in model.tables)
                await session.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
            # Read after the lock: whatever the consumer applied before it is in the log.
            events = await read_topic(bootstrap, topic, client_options=client_options)
            before = await _count(session, model.tables)
            for table in model.tables:
                await session.execute(delete(table))
            ids = sorted({e.id for e in events})
            subjects = sorted({e.subject for e in events})
            i, s = model.inbox.inbox, model.inbox.sequences
            for part in _chunks(ids):
                await session.execute(
                    delete(i).where(i.c.consumer == consumer, i.c.event_id.in_(part))
                )
            for part in _chunks(subjects):
                await session.execute(
                    delete(s).where(s.c.consumer == consumer, s.c.subject.in_(part))
                )
            for batch in _chunks(events):
                await inbox.apply_many(session, batch, handler_many=apply)
            after = await _count(session, model.tables)
    finally:
        await engine.dispose()
    return RebuildResult(name, topic, len(events), before, after)


async def _count(session: AsyncSession, tables: Sequence[Table]) -> int:
    total = 0
    for table in tables:
        total += int((await session.execute(select(func.count()).select_from(table))).scalar_one())
    return total


def _chunks(items: Sequence[T]) -> list[Sequence[T]]:
    return [items[n : n + CHUNK] for n in range(0, len(items), CHUNK)]
