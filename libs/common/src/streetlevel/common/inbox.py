"""Idempotent consumers: the inbox, per-subject sequences, parked keys and dead letters.

Every effect is written in the same transaction as the inbox row ``(consumer, event_id)``,
so a redelivered event changes nothing. Snapshot consumers ignore an event older than what
they hold; ledger consumers apply every event in sequence order and park a key whose event
fails (later events of that key wait behind it) rather than skip it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.clock import Clock
from streetlevel.common.events import Envelope

BigId = BigInteger().with_variant(Integer(), "sqlite")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
Kind = Literal["snapshot", "ledger"]


@dataclass(frozen=True)
class InboxTables:
    inbox: Table
    sequences: Table
    parked: Table
    dead_letters: Table


def inbox_tables(metadata: MetaData) -> InboxTables:
    """The consumer-side tables, added to a service's own metadata and migrations."""
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id"),
    )
    sequences = Table(
        "inbox_sequences",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("sequence", BigInteger, nullable=False),
        PrimaryKeyConstraint("consumer", "subject"),
    )
    parked = Table(
        "parked_events",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("key", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("error", Text, nullable=False),
        Column("parked_at", DateTime(timezone=True), nullable=False),
        Column("resolved_at", DateTime(timezone=True), nullable=True),
        Index("ix_parked_open", "consumer", "key", "id"),
    )
    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("error", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("replayed_at", DateTime(timezone=True), nullable=True),
    )
    return InboxTables(inbox, sequences, parked, dead_letters)


class Applied(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    GAP = "gap"


class SequenceGap(Exception):
    """A ledger event arrived before its predecessor."""


class Inbox:
    """The consumer's inbox logic, run inside the caller's transaction."""

    def __init__(self, tables: InboxTables, *, consumer: str, kind: Kind, clock: Clock) -> None:
        self.tables = tables
        self.consumer = consumer
        self.kind = kind
        self.clock = clock

    async def apply(self, session: AsyncSession, event: Envelope, handler: Handler) -> Applied:
        """Apply ``event`` at most once; the caller commits."""
        t = self.tables
        seen = (
            await session.execute(
                select(t.inbox.c.event_id)
                .where(t.inbox.c.consumer == self.consumer)
                .where(t.inbox.c.event_id == event.id)
            )
        ).first()
        if seen is not None:
            return Applied.DUPLICATE
        last = (
            await session.execute(
                select(t.sequences.c.sequence)
                .where(t.sequences.c.consumer == self.consumer)
                .where(t.sequences.c.subject == event.subject)
            )
        ).scalar_one_or_none()
        if last is not None and event.seq <= last:
            await self._remember(session, event)
            return Applied.STALE
        if (
            self.kind == "ledger"
            and event.seq != (last or 0) + 1
            and not (last is None and event.seq == 1)
        ):
            raise SequenceGap(
                f"{event.subject}: got sequence {event.seq}, expected {(last or 0) + 1}"
            )
        await handler(session, event)
        await self._remember(session, event)
        if last is None:
            await session.execute(
                insert(t.sequences).values(
                    consumer=self.consumer, subject=event.subject, sequence=event.seq
                )
            )
        else:
            await session.execute(
                update(t.sequences)
                .where(t.sequences.c.consumer == self.consumer)
                .where(t.sequences.c.subject == event.subject)
                .values(sequence=event.seq)
            )
        return Applied.APPLIED

    async def _remember(self, session: AsyncSession, event: Envelope) -> None:
        await session.execute(
            insert(self.tables.inbox).values(
                consumer=self.consumer, event_id=event.id, received_at=self.clock.now()
            )
        )

    async def is_parked(self, session: AsyncSession, key: str) -> bool:
        p = self.tables.parked
        row = (
            await session.execute(
                select(p.c.id)
                .where(p.c.consumer == self.consumer)
                .where(p.c.key == key)
                .where(p.c.resolved_at.is_(None))
                .limit(1)
            )
        ).first()
        return row is not None

    async def park(
        self, session: AsyncSession, *, key: str, topic: str, raw: bytes, error: str
    ) -> None:
        await session.execute(
            insert(self.tables.parked).values(
                consumer=self.consumer,
                key=key,
                topic=topic,
                payload=raw,
                error=error[:4000],
                parked_at=self.clock.now(),
            )
        )

    async def open_parked(
        self, session: AsyncSession, key: str | None = None
    ) -> list[tuple[int, str, str, bytes]]:
        """Parked events not yet resolved, oldest first: ``(id, key, topic, payload)``."""
        p = self.tables.parked
        query = (
            select(p.c.id, p.c.key, p.c.topic, p.c.payload)
            .where(p.c.consumer == self.consumer)
            .where(p.c.resolved_at.is_(None))
            .order_by(p.c.id)
        )
        if key is not None:
            query = query.where(p.c.key == key)
        return [
            (r.id, r.key, r.topic, bytes(r.payload)) for r in (await session.execute(query)).all()
        ]

    async def resolve_parked(self, session: AsyncSession, parked_id: int) -> None:
        p = self.tables.parked
        await session.execute(
            update(p).where(p.c.id == parked_id).values(resolved_at=self.clock.now())
        )

    async def dead_letter(
        self, session: AsyncSession, *, key: str, topic: str, raw: bytes, error: str
    ) -> None:
        await session.execute(
            insert(self.tables.dead_letters).values(
                consumer=self.consumer,
                key=key,
                topic=topic,
                payload=raw,
                error=error[:4000],
                created_at=self.clock.now(),
            )
        )
