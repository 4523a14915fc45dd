"""Transactional outbox: events written with the state change, published by one relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.dml import Insert

from streetlevel.common import tracing
from streetlevel.common.clock import Clock, SystemClock
from streetlevel.common.db import UtcDateTime
from streetlevel.common.events import Envelope
from streetlevel.common.lease import Lease, PostgresLease
from streetlevel.common.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED
from streetlevel.common.timeouts import within

log = logging.getLogger(__name__)

BigId = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, added to a service's own metadata and migrations."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        Index("ix_outbox_published_at", "published_at"),
    )


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One row ready to publish: the Kafka key, the envelope bytes, routing headers."""

    id: int
    topic: str
    key: str
    event_id: str
    event_type: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default=())

    @classmethod
    def of(cls, row: Any) -> OutboxMessage:
        """From a row mapping of ``_COLUMNS`` (a SQLAlchemy row mapping or an asyncpg record)."""
        event_id, event_type = row["event_id"], row["event_type"]
        return cls(
            id=row["id"],
            topic=row["topic"],
            key=row["key"],
            event_id=event_id,
            event_type=event_type,
            value=bytes(row["payload"]),
            headers=(("ce_type", event_type.encode()), ("ce_id", event_id.encode())),
        )


#: What the relay reads of a row.
_COLUMNS = ("id", "event_id", "topic", "key", "event_type", "payload")


def _take_statement(table: Table) -> str:
    """PostgreSQL: mark ``$2`` published at ``$1`` and read the next ``$3`` rows, in one go.

    The SELECT sees the rows as they were before the UPDATE, so it leaves out ``$2`` itself;
    it still includes a lower id that committed late, so no row is ever skipped.
    """
    # Only identifiers from the table definition go into the text; values are parameters.
    name = postgresql.dialect().identifier_preparer.format_table(table)  # type: ignore[no-untyped-call]
    mark = f"UPDATE {name} SET published_at = $1 WHERE id = ANY($2::bigint[])"  # noqa: S608
    columns = ", ".join(_COLUMNS)
    return (
        f"WITH marked AS ({mark}) SELECT {columns} FROM {name} "  # noqa: S608
        "WHERE published_at IS NULL AND NOT id = ANY($2::bigint[]) ORDER BY id LIMIT $3"
    )


class Publisher(Protocol):
    """A transport that returns only once every message is acknowledged (or raises)."""

    async def publish(self, messages: Sequence[OutboxMessage]) -> None: ...


def outbox_insert(table: Table, *, notify: str | None = None) -> Insert:
    """The outbox INSERT, built once; with ``notify`` it also signals that channel."""
    statement = insert(table)
    if notify is not None:
        # The NOTIFY rides on the INSERT's round trip and reaches listeners at commit; one
        # per row, but PostgreSQL delivers identical notifications of a transaction once.
        statement = statement.returning(func.pg_notify(notify, ""))
    return statement


async def write_outbox(
    session: AsyncSession,
    statement: Insert,
    items: Sequence[tuple[str, str, Envelope]],
    clock: Clock,
) -> None:
    """Insert ``(topic, key, envelope)`` rows in the caller's transaction."""
    if not items:
        return
    now = clock.now()
    await session.execute(
        statement,
        [
            {
                "event_id": env.id,
                "topic": topic,
                "key": key,
                "event_type": env.type,
                "payload": env.to_json(),
                "created_at": now,
            }
            for topic, key, env in items
        ],
    )


class OutboxRelay:
    """Publishes unpublished rows in commit (id) order while it holds the service's lease.

    Rows are marked published only after the transport acknowledged them; a failure leaves
    them in place and the relay retries with backoff, so nothing is lost while the broker is
    down. Only one relay per service holds the lease, which keeps per-aggregate order.

    On PostgreSQL the relay reads and marks rows on the lease's own connection, where the
    advisory lock lives: a statement that succeeds there proves the lease, request traffic
    cannot keep it waiting for a pooled connection, and marking one batch fetches the next
    in the same round trip.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        publisher: Publisher,
        lease: Lease,
        service: str,
        clock: Clock | None = None,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        retention: timedelta = timedelta(hours=72),
        prune_every: timedelta = timedelta(minutes=5),
        max_backoff_s: float = 5.0,
    ) -> None:
        self.engine = engine
        self.table = table
        self.publisher = publisher
        self.lease = lease
        self.service = service
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.retention = retention
        self.prune_every = prune_every
        self._next_prune: datetime | None = None
        self.pruned = 0
        self.max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._direct = lease if isinstance(lease, PostgresLease) else None
        self._take_sql = _take_statement(table) if self._direct is not None else ""
        self._prefetched: list[OutboxMessage] = []
        self.published = 0
        # Exported from the start, so that rate() and alerts see zero rather than nothing.
        OUTBOX_PUBLISHED.labels(service)
        self.last_error: str | None = None

    def wake(self) -> None:
        """Called after a local commit (or on NOTIFY) so publishing does not wait for a poll."""
        self._wake.set()

    async def start(self) -> None:
        self.lease.on_notify(self.wake)
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.service}")

    async def stop(self) -> None:
        """Finish the batch in flight, then release the lease."""
        self._stopping.set()
        self._wake.set()
        if self._task:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.lease.release()

    @property
    def is_active(self) -> bool:
        return bool(self.lease.is_held)

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                # A held lease is proven by the relay's own statements, not by a check each time.
                if not self.lease.is_held and not await self.lease.acquire():
                    await self._sleep(self.poll_interval_s)
                    continue
                published = await self.publish_once()
                backoff = 0.1
                if published == 0:
                    await self._maybe_prune()
                if not self._prefetched:
                    # Returns at once if a commit woke the relay while it was publishing.
                    await self._sleep(self.poll_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: keep rows, back off, try again
                self._prefetched = []
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "outbox relay %s: publish failed (%s); retrying in %.1fs",
                    self.service,
                    self.last_error,
                    backoff,
                )
                await self._sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)

    async def publish_once(self) -> int:
        """Publish one batch of the oldest unpublished rows; returns how many."""
        messages, self._prefetched = self._prefetched or await self._take([]), []
        if not messages:
            OUTBOX_BACKLOG.labels(self.service).set(0)
            OUTBOX_OLDEST_AGE.labels(self.service).set(0)
            return 0
        with self._publish_span(messages):
            await self.publisher.publish(messages)
        await self.mark_published([m.id for m in messages])
        if self._direct is None:  # on PostgreSQL the marking read the next batch already
            self._prefetched = await self._take([])
        self.published += len(messages)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(messages))
        self.last_error = None
        return len(messages)

    def _publish_span(self, messages: Sequence[OutboxMessage]) -> Any:
        """The relay's span, linked to each row's writer (its commit span, in the CloudEvent)."""
        if not tracing.enabled(self.service):
            return tracing.span(self.service, "")  # the shared no-op
        writers = [orjson.loads(m.value).get("traceparent") for m in messages]
        return tracing.span(
            self.service,
            f"publish {self.service}",
            kind=tracing.PRODUCER,
            parent="",
            links=writers,
            attributes={"messaging.batch.message_count": len(messages)},
        )

    async def mark_published(self, ids: list[int]) -> None:
        """Mark ``ids`` published; on PostgreSQL the same statement reads the next batch."""
        if self._direct is not None:
            self._prefetched = await self._take(ids)
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(self.table)
                .where(self.table.c.id.in_(ids))
                .values(published_at=self.clock.now())
            )

    async def _take(self, published: list[int]) -> list[OutboxMessage]:
        """The next batch of unpublished rows; on PostgreSQL also marks ``published``."""
        if self._direct is not None:
            rows = await self._direct.fetch(
                self._take_sql, self.clock.now(), published, self.batch_size
            )
            return [OutboxMessage.of(row) for row in rows]
        if not await self.lease.check():
            return []
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(*(self.table.c[name] for name in _COLUMNS))
                .where(self.table.c.published_at.is_(None))
                .order_by(self.table.c.id)
                .limit(self.batch_size)
            )
            return [OutboxMessage.of(row._mapping) for row in result]

    async def backlog(self) -> int:
        """Count the unpublished rows and measure the oldest one's age (the scrape's probe)."""
        return await measure_backlog(self.engine, self.table, self.service, self.clock)

    async def _maybe_prune(self) -> None:
        """Prune when idle, at most every ``prune_every``: not on every empty poll."""
        now = self.clock.now()
        if self._next_prune is not None and now < self._next_prune:
            return
        self._next_prune = now + self.prune_every
        await self.prune()

    async def prune(self) -> None:
        """Delete the rows published longer ago than the retention."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(self.table)
                .where(self.table.c.published_at.is_not(None))
                .where(self.table.c.published_at < now - self.retention)
            )
        self.pruned += 1

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await within(seconds, self._wake.wait())
        self._wake.clear()


async def measure_backlog(engine: AsyncEngine, table: Table, service: str, clock: Clock) -> int:
    """Count ``table``'s unpublished rows and set the backlog gauges; returns the count."""
    async with engine.connect() as conn:
        count, oldest = (
            await conn.execute(
                select(func.count(), func.min(table.c.created_at))
                .select_from(table)
                .where(table.c.published_at.is_(None))
            )
        ).one()
    OUTBOX_BACKLOG.labels(service).set(count)
    age = 0.0 if oldest is None else (clock.now() - _aware(oldest)).total_seconds()
    OUTBOX_OLDEST_AGE.labels(service).set(max(age, 0.0))
    return int(count)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes from an aggregate."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def notify_channel(service: str) -> str:
    """The LISTEN/NOTIFY channel a service's commits signal its relay on."""
    return f"outbox_{service}".replace("-", "_")


CommitHook = Callable[[], None]
