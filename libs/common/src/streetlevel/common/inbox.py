"""Idempotent consumers: the inbox, per-subject sequences, parked keys and dead letters.

Every effect is written in the same transaction as the inbox row ``(consumer, event_id)``,
so a redelivered event changes nothing. Snapshot consumers ignore an event older than what
they hold; ledger consumers apply every event in sequence order and park a key whose event
fails (later events of that key wait behind it) rather than skip it.

A consumer may register a batch handler, which applies a whole batch in one statement; a
snapshot consumer's batch handler sees only the newest event of each subject in the batch
(the older ones are superseded, and recorded in the inbox like the applied ones).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    bindparam,
    insert,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import CompoundSelect

from streetlevel.common.clock import Clock
from streetlevel.common.db import UtcDateTime, upsert
from streetlevel.common.events import Envelope
from streetlevel.common.inbox_sql import PostgresInbox

BigId = BigInteger().with_variant(Integer(), "sqlite")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[None]]
#: ``snapshot``: a newer sequence supersedes; ``ledger``: every event, in sequence order;
#: ``notice``: every event once, by id, sequences ignored (one event may become several
#: notices sharing their cause's subject and sequence, e.g. one per bidder).
Kind = Literal["snapshot", "ledger", "notice"]


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
        Column("received_at", UtcDateTime, nullable=False),
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
        Column("parked_at", UtcDateTime, nullable=False),
        Column("resolved_at", UtcDateTime, nullable=True),
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
        Column("created_at", UtcDateTime, nullable=False),
        Column("replayed_at", UtcDateTime, nullable=True),
    )
    return InboxTables(inbox, sequences, parked, dead_letters)


class Applied(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    GAP = "gap"
    SUPERSEDED = "superseded"


class SequenceGap(Exception):
    """A ledger event arrived before its predecessor."""


def _known_query(t: InboxTables) -> CompoundSelect[str, int | None]:
    """The inbox rows of ``:event_ids`` (sequence NULL) and the sequences of ``:subjects``."""
    consumer: BindParameter[str] = bindparam("consumer")
    events = select(
        t.inbox.c.event_id.label("key"), null().cast(BigInteger).label("sequence")
    ).where(
        t.inbox.c.consumer == consumer,
        t.inbox.c.event_id.in_(bindparam("event_ids", expanding=True)),
    )
    sequences = select(t.sequences.c.subject, t.sequences.c.sequence).where(
        t.sequences.c.consumer == consumer,
        t.sequences.c.subject.in_(bindparam("subjects", expanding=True)),
    )
    return union_all(events, sequences)


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


def _is_postgres(session: AsyncSession) -> bool:
    return _dialect(session) == "postgresql"


class Inbox:
    """The consumer's inbox logic, run inside the caller's transaction."""

    def __init__(self, tables: InboxTables, *, consumer: str, kind: Kind, clock: Clock) -> None:
        self.tables = tables
        self.consumer = consumer
        self.kind = kind
        self.clock = clock
        self._known_query = _known_query(tables)
        self._remember_insert = insert(tables.inbox)
        self._pg = PostgresInbox.of(tables.inbox, tables.sequences)

    async def apply(self, session: AsyncSession, event: Envelope, handler: Handler) -> Applied:
        """Apply ``event`` at most once; the caller commits."""
        return (await self.apply_many(session, [event], handler))[0]

    async def apply_many(
        self,
        session: AsyncSession,
        events: Sequence[Envelope],
        handler: Handler | None = None,
        *,
        handler_many: BatchHandler | None = None,
    ) -> list[Applied]:
        """Apply a batch in the caller's transaction with a constant number of inbox queries.

        With ``handler_many`` the effect is one call for the batch (for a snapshot consumer,
        with the newest event per subject only); otherwise ``handler`` runs once per event.
        """
        if not events:
            return []
        if handler is None and handler_many is None:
            raise ValueError("apply_many needs a handler or a batch handler")
        seen, stored = await self._known(session, events)
        last = dict(stored)
        remembered: list[str] = []
        results: list[Applied] = []
        due: list[tuple[int, Envelope]] = []  # (index in results, event), in batch order
        for event in events:
            if event.id in seen:
                results.append(Applied.DUPLICATE)
                continue
            seen.add(event.id)
            remembered.append(event.id)
            if self.kind == "notice":
                due.append((len(results), event))
                results.append(Applied.APPLIED)
                continue
            previous = last.get(event.subject)
            if previous is not None and event.seq <= previous:
                results.append(Applied.STALE)
                continue
            expected = (previous or 0) + 1
            if self.kind == "ledger" and event.seq != expected:
                raise SequenceGap(f"{event.subject}: got sequence {event.seq}, expected {expected}")
            last[event.subject] = event.seq
            due.append((len(results), event))
            results.append(Applied.APPLIED)
        if handler_many is not None:
            await self._apply_batch(session, due, results, handler_many)
        else:
            assert handler is not None
            for _index, event in due:
                await handler(session, event)
        await self._remember(session, remembered)
        await self._advance(session, stored, last)
        return results

    async def _known(
        self, session: AsyncSession, events: Sequence[Envelope]
    ) -> tuple[set[str], dict[str, int]]:
        """Which events the inbox holds, and each subject's stored sequence: one query."""
        seen: set[str] = set()
        stored: dict[str, int] = {}
        event_ids = sorted({e.id for e in events})
        subjects = sorted({e.subject for e in events})
        if _is_postgres(session):
            rows = await self._pg.known(session, self.consumer, event_ids, subjects)
        else:
            params = {"consumer": self.consumer, "event_ids": event_ids, "subjects": subjects}
            rows = [(r[0], r[1]) for r in await session.execute(self._known_query, params)]
        for key, sequence in rows:
            if sequence is None:  # an inbox row
                seen.add(key)
            else:
                stored[key] = sequence
        return seen, stored

    async def _apply_batch(
        self,
        session: AsyncSession,
        due: list[tuple[int, Envelope]],
        results: list[Applied],
        handler_many: BatchHandler,
    ) -> None:
        if self.kind == "snapshot":
            # A later event of a subject in the batch has a higher sequence: it supersedes.
            newest = {event.subject: index for index, event in due}
            for index, event in due:
                if newest[event.subject] != index:
                    results[index] = Applied.SUPERSEDED
            due = [(index, event) for index, event in due if newest[event.subject] == index]
        if due:
            await handler_many(session, [event for _index, event in due])

    async def _remember(self, session: AsyncSession, event_ids: list[str]) -> None:
        if event_ids and _is_postgres(session):
            await self._pg.remember(session, self.consumer, event_ids, self.clock.now())
        elif event_ids:
            now = self.clock.now()
            await session.execute(
                self._remember_insert,
                [{"consumer": self.consumer, "event_id": e, "received_at": now} for e in event_ids],
            )

    async def _advance(
        self, session: AsyncSession, stored: dict[str, int], last: dict[str, int]
    ) -> None:
        """Store each subject's new sequence: one multi-row upsert, not an UPDATE per subject."""
        changed = {s: q for s, q in last.items() if stored.get(s) != q}
        if not changed:
            return
        dialect = _dialect(session)
        if dialect == "postgresql":
            await self._pg.advance(session, self.consumer, changed)
            return
        rows = [
            {"consumer": self.consumer, "subject": s, "sequence": q} for s, q in changed.items()
        ]
        keys = ("consumer", "subject")
        await session.execute(upsert(self.tables.sequences, dialect, keys, ("sequence",)), rows)

    async def parked_keys(self, session: AsyncSession, keys: set[str]) -> set[str]:
        """Which of ``keys`` have unresolved parked events."""
        p = self.tables.parked
        return set(
            (
                await session.execute(
                    select(p.c.key)
                    .where(p.c.consumer == self.consumer)
                    .where(p.c.key.in_(keys))
                    .where(p.c.resolved_at.is_(None))
                    .distinct()
                )
            ).scalars()
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
