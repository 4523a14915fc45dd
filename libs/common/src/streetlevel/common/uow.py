"""The unit of work: one commit per use case, state rows and outbox rows together."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streetlevel.common import context, tracing
from streetlevel.common.clock import Clock
from streetlevel.common.db import begin_write
from streetlevel.common.events import (
    DEFAULT_PUBLIC_BASE_URL,
    Aggregate,
    Envelope,
    PendingEvent,
    envelope_for,
)
from streetlevel.common.outbox import notify_channel, outbox_insert, write_outbox


class EventWriter:
    """Turns recorded events into outbox rows in the current transaction."""

    def __init__(
        self,
        *,
        outbox: Table,
        source: str,
        service: str,
        clock: Clock,
        is_postgres: bool,
        base_url: str = DEFAULT_PUBLIC_BASE_URL,
    ) -> None:
        self.outbox = outbox
        self.base_url = base_url
        self.source = source
        self.service = service
        self.clock = clock
        self.is_postgres = is_postgres
        # On PostgreSQL the insert also NOTIFYs the relay's LISTEN when the transaction commits.
        channel = notify_channel(service) if is_postgres else None
        self._insert = outbox_insert(outbox, notify=channel)

    async def write(self, session: AsyncSession, events: Iterable[PendingEvent]) -> int:
        """Write ``events`` with the request's correlation, causation and trace context."""
        now = self.clock.now()
        items = [
            (
                pending.payload.topic,
                pending.key,
                envelope_for(
                    pending,
                    source=self.source,
                    time=now,
                    correlation_id=context.current_request_id(),
                    causation_id=context.causation_id.get(),
                    traceparent=context.traceparent.get(),
                    base_url=self.base_url,
                ),
            )
            for pending in events
        ]
        await write_outbox(session, self._insert, items, self.clock)
        return len(items)


class UnitOfWork:
    """``async with uow:`` opens a write transaction; ``commit()`` writes events and commits."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writer: EventWriter,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self.writer = writer
        self.on_commit = on_commit
        self._session: AsyncSession | None = None
        self._seen: list[Aggregate] = []
        self._extra: list[PendingEvent] = []
        self.committed = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    @property
    def clock(self) -> Clock:
        return self.writer.clock

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self._seen = []
        self._extra = []
        self.committed = False
        await begin_write(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if not self.committed:
                await session.rollback()
        finally:
            await session.close()

    def track(self, *aggregates: Aggregate) -> None:
        """Collect the events these aggregates record when the unit of work commits."""
        for aggregate in aggregates:
            if all(aggregate is not seen for seen in self._seen):
                self._seen.append(aggregate)

    def emit(self, *events: PendingEvent) -> None:
        self._extra.extend(events)

    async def _write_events(self) -> int:
        """Flush, and write the tracked aggregates' events to the outbox in this transaction."""
        events: list[PendingEvent] = []
        for aggregate in self._seen:
            events.extend(aggregate.take_events())
        events.extend(self._extra)
        self._extra = []
        await self.session.flush()
        return await self.writer.write(self.session, events)

    async def commit(self) -> None:
        # The outbox rows carry this span's context: the relay links to it, consumers continue it.
        with tracing.span(self.writer.service, "commit"):
            written = await self._write_events()
            await self.session.commit()
        self.committed = True
        if written and self.on_commit is not None:
            self.on_commit()


class BoundUnitOfWork(UnitOfWork):
    """A unit of work inside a transaction someone else owns: the inbox's, for a consumer.

    The same API as the routes' unit of work: ``commit()`` writes the tracked aggregates'
    events to the outbox in that transaction, and leaves the commit itself to its owner (the
    inbox commits the effect, its outbox rows and the inbox row together, or none of them).
    """

    def __init__(self, session: AsyncSession, writer: EventWriter) -> None:
        super().__init__(async_sessionmaker(), writer)
        self._bound = session

    async def __aenter__(self) -> Self:
        self._session = self._bound
        self._seen = []
        self._extra = []
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # An error propagates to the owner, which rolls the whole transaction back.
        self._session = None

    async def commit(self) -> None:
        await self._write_events()
        self.committed = True


#: A consumer's use case for one event, and for a batch (the batch one records no events).
UowHandler = Callable[[UnitOfWork, Envelope], Awaitable[None]]
UowBatchHandler = Callable[[UnitOfWork, Sequence[Envelope]], Awaitable[None]]
