"""A tiny probe service for backbone tests: one aggregate type, one effect table, counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Column, Integer, MetaData, String, Table, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from streetlevel.common.db import create_engine
from streetlevel.common.events import Aggregate, DomainEvent, Envelope
from streetlevel.common.inbox import InboxTables, inbox_tables
from streetlevel.common.outbox import outbox_table

TOPIC = "probe.thing.v1"
_PG_EFFECTS = text(
    "INSERT INTO probe_effects (event_id, subject, sequence, applied) "
    "SELECT i, s, q, 1 FROM unnest(CAST(:ids AS text[]), CAST(:subjects AS text[]), "
    "CAST(:sequences AS int[])) AS u(i, s, q) "
    "ON CONFLICT (event_id) DO UPDATE SET applied = probe_effects.applied + 1"
)


class ThingChanged(DomainEvent):
    """The probe's only event; ``poison`` makes every handler fail on it deterministically."""

    event_type = "probe.thing.changed.v1"
    topic = TOPIC
    thing_id: str
    n: int
    poison: bool = False


@dataclass(eq=False)
class Thing(Aggregate):
    id: str = ""
    n: int = 0

    def change(self, *, poison: bool = False) -> None:
        self.n += 1
        self.record(
            ThingChanged(thing_id=self.id, n=self.n, poison=poison), subject=f"thing/{self.id}"
        )


class Poisoned(ValueError):
    """A deterministic handler failure."""


@dataclass
class Probe:
    """The probe's schema and an effect handler that counts applications per event."""

    metadata: MetaData = field(default_factory=MetaData)

    def __post_init__(self) -> None:
        self.outbox: Table = outbox_table(self.metadata)
        self.inbox: InboxTables = inbox_tables(self.metadata)
        self.effects = Table(
            "probe_effects",
            self.metadata,
            Column("event_id", String(36), primary_key=True),
            Column("subject", String(200), nullable=False),
            Column("sequence", Integer, nullable=False),
            Column("applied", Integer, nullable=False),
        )

    async def create_all(self, engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)

    async def create_at(self, url: str) -> None:
        """The tables in the database at ``url``: a test database template's ``prepare``."""
        engine = create_engine(url)
        try:
            await self.create_all(engine)
        finally:
            await engine.dispose()

    async def handle(self, session: AsyncSession, event: Envelope) -> None:
        """Record one application of ``event``: a second one shows as ``applied == 2``."""
        await self.handle_many(session, [event])

    async def handle_many(self, session: AsyncSession, events: Sequence[Envelope]) -> None:
        """The batch handler: one multi-row upsert records one application per event."""
        for event in events:
            if event.data.get("poison"):
                raise Poisoned(f"event {event.id} is poison")
        if not events:
            return
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        if dialect == "postgresql":
            # The batch as arrays in one statement: an executemany's per-row parameter
            # handling would dominate the throughput benchmark's consumer.
            await session.execute(
                _PG_EFFECTS,
                {
                    "ids": [e.id for e in events],
                    "subjects": [e.subject for e in events],
                    "sequences": [e.seq for e in events],
                },
            )
            return
        stmt = sqlite_insert(self.effects)
        stmt = stmt.on_conflict_do_update(
            index_elements=["event_id"], set_={"applied": self.effects.c.applied + 1}
        )
        await session.execute(
            stmt,
            [
                {"event_id": e.id, "subject": e.subject, "sequence": e.seq, "applied": 1}
                for e in events
            ],
        )

    async def applied(self, engine: AsyncEngine) -> Counter[str]:
        """How many times each event id was applied."""
        async with engine.connect() as conn:
            rows = (
                await conn.execute(select(self.effects.c.event_id, self.effects.c.applied))
            ).all()
        return Counter({row.event_id: row.applied for row in rows})

    async def reset(self, engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            await conn.execute(update(self.effects).values(applied=0))
