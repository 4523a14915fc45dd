"""Transport-independent event processing: batches, retries, pauses, parking, dead letters."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streetlevel.common import context, tracing
from streetlevel.common.clock import Clock, SystemClock
from streetlevel.common.db import begin_write, unpinged
from streetlevel.common.events import Envelope
from streetlevel.common.inbox import (
    Applied,
    BatchHandler,
    Handler,
    Inbox,
    InboxTables,
    Kind,
    SequenceGap,
)
from streetlevel.common.metrics import DLQ_EVENTS, EVENTS_APPLIED, INBOX_DUPLICATES, PARKED_KEYS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message as a transport delivered it."""

    topic: str
    key: str
    value: bytes
    partition: int = 0
    offset: int = -1


class DeadLetterSink(Protocol):
    """Where a deterministically failing event goes (a Kafka DLQ topic, or a local table)."""

    async def send(self, delivery: Delivery, error: str) -> None: ...


class InfrastructureDown(Exception):
    """Raised instead of pausing when the caller (the in-process bus) retries itself."""


#: SQLSTATE classes that blame the surroundings: connection, resources, operator, system.
_INFRA_SQLSTATE_CLASSES = ("08", "53", "57", "58", "XX")


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE behind a (wrapped) database error, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(code, str) and code:
            return code
        current = getattr(current, "orig", None) or current.__cause__
    return None


def is_input_error(exc: BaseException) -> bool:
    """True when the database refused a value itself (data exception, or a bad parameter)."""
    state = sqlstate(exc)
    if state is not None:
        return state.startswith("22")
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, asyncpg.DataError | OverflowError):
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False


def is_infrastructure_error(exc: BaseException) -> bool:
    """True for failures of the surroundings (database, network), never of the event."""
    if is_input_error(exc):
        return False
    state = sqlstate(exc)
    if state is not None:
        return state.startswith(_INFRA_SQLSTATE_CLASSES)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    infra = (
        OSError,
        TimeoutError,
        ConnectionError,
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,
        asyncpg.CannotConnectNowError,
        InfrastructureDown,
    )
    if isinstance(exc, infra):
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and is_infrastructure_error(cause)


Sleep = Callable[[float], Awaitable[None]]


class EventProcessor:
    """Applies deliveries for one consumer group through its inbox.

    A batch is tried in one transaction for throughput; if it fails, events are retried
    one by one so that one bad event cannot hold back the others. Infrastructure errors
    pause (retry with backoff, forever); deterministic errors are retried a bounded number
    of times, then dead-lettered (snapshot) or parked with their key (ledger).

    ``handler`` applies one event; ``handler_many``, if given, applies a batch in one go
    (see ``Inbox.apply_many``) and is also used for a single event.
    """

    def __init__(
        self,
        *,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        tables: InboxTables,
        handler: Handler | None = None,
        handler_many: BatchHandler | None = None,
        kind: Kind = "snapshot",
        dead_letters: DeadLetterSink | None = None,
        clock: Clock | None = None,
        max_retries: int = 3,
        pause_on_infra: bool = True,
        sleep: Sleep = asyncio.sleep,
        max_backoff_s: float = 5.0,
        service: str = "",
    ) -> None:
        self.name = name
        self.service = service
        self.sessions = sessions
        if handler is None and handler_many is None:
            raise ValueError(f"consumer {name} needs a handler or a batch handler")
        self.handler = handler
        self.handler_many = handler_many
        self.kind: Kind = kind
        self.inbox = Inbox(tables, consumer=name, kind=kind, clock=clock or SystemClock())
        self.dead_letters = dead_letters
        self.max_retries = max_retries
        self.pause_on_infra = pause_on_infra
        self.sleep = sleep
        self.max_backoff_s = max_backoff_s
        self.paused_attempts = 0
        # Exported from the start, so that rate() and alerts see zero rather than nothing.
        for metric in (DLQ_EVENTS, INBOX_DUPLICATES, PARKED_KEYS):
            metric.labels(name)

    async def process(self, deliveries: Sequence[Delivery]) -> None:
        """Apply a batch; returns once every delivery is applied, parked or dead-lettered."""
        if not deliveries:
            return
        if len(deliveries) > 1:
            try:
                await self._with_pause(lambda: self._apply_batch(deliveries))
                return
            except _Deterministic:
                pass
        for delivery in deliveries:
            await self._process_one(delivery)

    async def _apply_batch(self, deliveries: Sequence[Delivery]) -> None:
        try:
            events = [Envelope.from_json(d.value) for d in deliveries]
        except (ValueError, ValidationError) as exc:
            raise _Deterministic(exc) from exc
        async with self.sessions() as session:
            # No ping: a broken connection fails this batch as an infrastructure error, the
            # pool replaces it, and the pause-and-retry below runs the batch again.
            with unpinged():
                await begin_write(session)
            parked = (
                await self.inbox.parked_keys(session, {d.key for d in deliveries})
                if self.kind == "ledger"
                else set()
            )
            ready: list[Envelope] = []
            for delivery, event in zip(deliveries, events, strict=True):
                if delivery.key in parked:
                    await self.inbox.park(
                        session,
                        key=delivery.key,
                        topic=delivery.topic,
                        raw=delivery.value,
                        error="waiting behind a parked event",
                    )
                else:
                    ready.append(event)
            try:
                with self._batch_span(ready):
                    results = await self._apply_events(session, ready)
            except Exception as exc:
                if is_infrastructure_error(exc):
                    raise
                raise _Deterministic(exc) from exc
            await session.commit()
        # One metric update per outcome, not per event: labels() was a visible per-event cost.
        for result, count in Counter(results).items():
            EVENTS_APPLIED.labels(self.name, result.value).inc(count)
            if result is Applied.DUPLICATE:
                INBOX_DUPLICATES.labels(self.name).inc(count)
        if len(ready) < len(deliveries):
            EVENTS_APPLIED.labels(self.name, "parked").inc(len(deliveries) - len(ready))

    def _batch_span(self, events: Sequence[Envelope]) -> Any:
        """The consumer span: child of the events' trace, linked to each when they join several."""
        if not tracing.enabled(self.service):
            return tracing.span(self.service, "")  # the shared no-op
        parents = list(dict.fromkeys(e.traceparent for e in events if e.traceparent))
        traces = {p[3:35] for p in parents}
        return tracing.span(
            self.service,
            f"consume {self.name}",
            kind=tracing.CONSUMER,
            parent=parents[0] if len(traces) == 1 else "",
            links=parents if len(parents) > 1 else (),
            attributes={
                "messaging.consumer.group.name": self.name,
                "messaging.batch.message_count": len(events),
            },
        )

    async def _apply_events(
        self, session: AsyncSession, events: Sequence[Envelope]
    ) -> list[Applied]:
        if self.handler_many is not None:
            return await self.inbox.apply_many(session, events, handler_many=self._handle_many)
        return await self.inbox.apply_many(session, events, self._handle)

    async def _handle_many(self, session: AsyncSession, events: Sequence[Envelope]) -> None:
        """Run the batch handler with no single cause: it must not record events."""
        assert self.handler_many is not None
        token = context.causation_id.set(None)
        try:
            with tracing.span(self.service, f"handle {self.name}"):
                await self.handler_many(session, events)
        finally:
            context.causation_id.reset(token)

    async def _handle(self, session: AsyncSession, event: Envelope) -> None:
        """Run the handler with the event as the cause of whatever it records."""
        token = context.causation_id.set(event.id)
        previous_request = context.current_request_id()
        context.set_request_id(event.correlationid)
        # What the handler records continues the event's trace, traced here or not.
        batch = context.traceparent.get()
        same_trace = bool(batch and event.traceparent and batch[3:35] == event.traceparent[3:35])
        parent = batch if same_trace else event.traceparent
        trace_token = context.traceparent.set(parent)
        try:
            assert self.handler is not None
            with tracing.span(
                self.service,
                f"handle {event.type}",
                parent=parent or "",
                links=() if same_trace or not batch else (batch,),
                attributes={"cloudevents.event_id": event.id, "cloudevents.event_type": event.type},
            ):
                await self.handler(session, event)
        finally:
            context.traceparent.reset(trace_token)
            context.causation_id.reset(token)
            context.set_request_id(previous_request)

    async def _process_one(self, delivery: Delivery) -> None:
        last_error: BaseException | None = None
        for _attempt in range(self.max_retries):
            try:
                await self._with_pause(lambda: self._apply_batch([delivery]))
                return
            except _Deterministic as exc:
                last_error = exc.__cause__ or exc
                if isinstance(last_error, SequenceGap | ValueError | ValidationError):
                    break  # retrying cannot change the outcome
        assert last_error is not None
        await self._with_pause(lambda: self._give_up(delivery, last_error))

    async def _give_up(self, delivery: Delivery, error: BaseException) -> None:
        message = f"{type(error).__name__}: {error}"
        if self.kind == "ledger":
            log.error("consumer %s: parking key %s: %s", self.name, delivery.key, message)
            async with self.sessions() as session:
                await begin_write(session)
                await self.inbox.park(
                    session,
                    key=delivery.key,
                    topic=delivery.topic,
                    raw=delivery.value,
                    error=message,
                )
                await session.commit()
            PARKED_KEYS.labels(self.name).inc()
            return
        log.error(
            "consumer %s: dead-lettering an event from %s: %s", self.name, delivery.topic, message
        )
        if self.dead_letters is not None:
            await self.dead_letters.send(delivery, message)
        else:
            async with self.sessions() as session:
                await begin_write(session)
                await self.inbox.dead_letter(
                    session,
                    key=delivery.key,
                    topic=delivery.topic,
                    raw=delivery.value,
                    error=message,
                )
                await session.commit()
        DLQ_EVENTS.labels(self.name).inc()

    async def _with_pause(self, action: Callable[[], Awaitable[None]]) -> None:
        backoff = 0.05
        while True:
            try:
                await action()
                self.paused_attempts = 0
                return
            except _Deterministic:
                raise
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    raise _Deterministic(exc) from exc
                if not self.pause_on_infra:
                    raise InfrastructureDown(str(exc)) from exc
                self.paused_attempts += 1
                log.warning("consumer %s paused: %s: %s", self.name, type(exc).__name__, exc)
                await self.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)

    async def replay_parked(self, key: str | None = None) -> int:
        """Re-apply parked events in order (after a fix); stops a key at its first failure."""
        async with self.sessions() as session:
            parked = await self.inbox.open_parked(session, key)
        applied = 0
        blocked: set[str] = set()
        for parked_id, parked_key, _topic, raw in parked:
            if parked_key in blocked:
                continue
            try:
                async with self.sessions() as session:
                    await begin_write(session)
                    event = Envelope.from_json(raw)
                    await self._apply_events(session, [event])
                    await self.inbox.resolve_parked(session, parked_id)
                    await session.commit()
                applied += 1
            except Exception as exc:
                log.error("replay of parked event %s failed: %s", parked_id, exc)
                blocked.add(parked_key)
                if is_infrastructure_error(exc):
                    raise
        return applied


class _Deterministic(Exception):
    """Internal marker: the failure belongs to the event, not the surroundings."""
