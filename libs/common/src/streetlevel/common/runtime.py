"""What a service holds for its lifetime: engine, unit of work, relay, bus and consumers.

The same runtime serves both run modes; only the adapters differ, chosen by settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from streetlevel.common import tracing
from streetlevel.common.auth import KeySource, TokenVerifier, http_key_source
from streetlevel.common.bus.kafka import (
    KafkaConsumerRunner,
    KafkaDeadLetterSink,
    KafkaPublisher,
    dlq_topic,
    ensure_topics,
)
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock, ShiftedClock, SystemClock
from streetlevel.common.consumer import EventProcessor
from streetlevel.common.db import create_engine, session_factory
from streetlevel.common.dlq_watch import DeadLetterWatch
from streetlevel.common.events import Envelope
from streetlevel.common.inbox import BatchHandler, Handler, InboxTables, Kind
from streetlevel.common.lease import Lease, LocalLease
from streetlevel.common.metrics import DLQ_DEPTH, register_probe, unregister_probe
from streetlevel.common.outbox import OutboxRelay, Publisher
from streetlevel.common.relay_thread import (
    RelayThread,
    configured_relay,
    relay_in_thread,
    relay_lease,
)
from streetlevel.common.settings import CommonSettings
from streetlevel.common.themes import THEME_TOPIC
from streetlevel.common.timeouts import within
from streetlevel.common.uow import (
    BoundUnitOfWork,
    EventWriter,
    UnitOfWork,
    UowBatchHandler,
    UowHandler,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    topics: tuple[str, ...]
    handler: Handler | None
    kind: Kind
    handler_many: BatchHandler | None = None


#: The platform's snapshot topics: one record per key, the whole record each time, so a read
#: model rebuilds from the latest of each (``streetlevel-events rebuild``). Every runtime creates
#: them compacted, so it does not matter which service starts first.
SNAPSHOT_TOPICS = frozenset({"registry.enterprise.v1", "outcomes.indicator.v1", THEME_TOPIC})


class Runtime:
    """Wires a service's adapters from its settings; ``start``/``stop`` run in the lifespan."""

    def __init__(
        self,
        settings: CommonSettings,
        *,
        outbox: Table,
        inbox: InboxTables | None = None,
        publishes: Sequence[str] = (),
        compacted: Sequence[str] = (),
        clock: Clock | None = None,
        memory_bus: MemoryBus | None = None,
        key_source: KeySource | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.outbox = outbox
        self.inbox = inbox
        self.publishes = tuple(publishes)
        # Topics kept one record per key (``cleanup.policy=compact``), whoever creates them.
        self.compacted = SNAPSHOT_TOPICS | frozenset(compacted)
        self.clock: Clock = clock or (
            ShiftedClock(SystemClock(), timedelta(seconds=settings.clock_offset_s))
            if settings.clock_offset_s
            else SystemClock()
        )
        self.memory_bus = memory_bus
        self.consumer_specs: list[ConsumerSpec] = []
        self.processors: dict[str, EventProcessor] = {}
        self.runners: list[KafkaConsumerRunner] = []
        self.publisher: Publisher | None = None
        self._kafka_publisher: KafkaPublisher | None = None
        self.relay: OutboxRelay | RelayThread | None = None
        self._dlq_watch: DeadLetterWatch | None = None
        self.engine: AsyncEngine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size
        )
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.writer = EventWriter(
            outbox=outbox,
            source=f"/streetlevel/{self.service}",
            service=self.service,
            clock=self.clock,
            is_postgres=not settings.is_sqlite,
            base_url=settings.public_base_url,
        )
        source = key_source or (http_key_source(settings.jwks_url) if settings.jwks_url else None)
        self.verifier: TokenVerifier | None = (
            TokenVerifier(source, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
            if source
            else None
        )
        self.started = False

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.writer, on_commit=self._wake_relay)

    def bound_uow(self, session: AsyncSession) -> UnitOfWork:
        """A unit of work inside ``session``'s transaction (a consumer's, owned by the inbox)."""
        return BoundUnitOfWork(session, self.writer)

    def _wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    def topic(self, name: str) -> str:
        return f"{self.settings.kafka_topic_prefix}{name}"

    def consume(
        self,
        name: str,
        topics: Sequence[str],
        handler: Handler | None = None,
        kind: Kind = "snapshot",
        *,
        handler_many: BatchHandler | None = None,
    ) -> None:
        """Register a consumer (group ``name``) before ``start``.

        ``handler(session, event)`` applies one event; ``handler_many(session, events)``, if
        given, applies a batch in one statement (a snapshot consumer's batch holds only the
        newest event per subject). Consumers registered under one name share one group member.
        """
        if self.inbox is None:
            raise RuntimeError("a consuming service needs inbox tables")
        if handler is None and handler_many is None:
            raise ValueError(f"consumer {name} needs a handler or a batch handler")
        self.consumer_specs.append(
            ConsumerSpec(name, tuple(topics), handler, kind, handler_many=handler_many)
        )

    def subscribe(
        self,
        name: str,
        topics: Sequence[str],
        handler: UowHandler | None = None,
        kind: Kind = "snapshot",
        *,
        handler_many: UowBatchHandler | None = None,
    ) -> None:
        """``consume`` for use cases: a handler gets a unit of work bound to the inbox's."""
        # The inbox owns the transaction: ``uow.track(...)`` and ``commit()`` put the events
        # in the outbox beside the effect and the inbox row, and the inbox commits all three.
        one: Handler | None = None
        many: BatchHandler | None = None
        if handler is not None:
            use_case = handler

            async def apply_one(session: AsyncSession, event: Envelope) -> None:
                await use_case(self.bound_uow(session), event)

            one = apply_one
        if handler_many is not None:
            batch_use_case = handler_many

            async def apply_many(session: AsyncSession, events: Sequence[Envelope]) -> None:
                await batch_use_case(self.bound_uow(session), events)

            many = apply_many
        self.consume(name, topics, one, kind, handler_many=many)

    async def start(self) -> None:
        s = self.settings
        tracing.setup(self.service)
        if s.bus == "kafka":
            # The broker's round trips and the pool's first connection (asyncpg's and the
            # dialect's set-up queries, which the first /readyz would otherwise wait for)
            # overlap instead of following each other.
            warm = asyncio.create_task(self._warm_pool(), name=f"pool-warm-{self.service}")
            try:
                await self._start_kafka()
            except BaseException:
                warm.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await warm
                raise
            await warm
        else:
            if self.memory_bus is None:
                self.memory_bus = MemoryBus()
            self.publisher = self.memory_bus
            for spec in self.consumer_specs:
                processor = self._processor(spec, dead_letters=None)
                self.memory_bus.subscribe(spec.topics, processor)
        self.relay = self._relay()
        await self.relay.start()
        register_probe(f"outbox:{self.service}", self._measure_outbox)
        if self.memory_bus is not None and self.inbox is not None:
            register_probe(f"dlq:{self.service}", self._measure_dead_letters)
        self.started = True

    def _relay(self) -> OutboxRelay | RelayThread:
        """Kafka on PostgreSQL: on a loop of its own (``outbox_relay_thread``); else here."""
        s = self.settings
        if s.bus == "kafka" and not s.is_sqlite and s.outbox_relay_thread:
            return relay_in_thread(s, engine=self.engine, table=self.outbox, clock=self.clock)
        lease: Lease = LocalLease(f"relay:{self.service}") if s.is_sqlite else relay_lease(s)
        assert self.publisher is not None
        return configured_relay(
            s,
            engine=self.engine,
            table=self.outbox,
            publisher=self.publisher,
            lease=lease,
            clock=self.clock,
        )

    async def _warm_pool(self) -> None:
        """Open the pool's first connection; a database that is down is readiness's verdict."""
        try:
            await within(5, self.check_database())
        except Exception as exc:  # start-up goes on: /readyz reports the database
            log.info("database not reachable at start: %s", type(exc).__name__)

    async def _measure_outbox(self) -> None:
        if self.relay is not None:
            await self.relay.backlog()

    async def _measure_dead_letters(self) -> None:
        """Dead letters of the local table (the in-process bus keeps them in the database)."""
        assert self.inbox is not None
        table = self.inbox.dead_letters
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(table.c.consumer, func.count())
                    .where(table.c.replayed_at.is_(None))
                    .group_by(table.c.consumer)
                )
            ).all()
        waiting = {str(consumer): int(count) for consumer, count in rows}
        for spec in self.consumer_specs:
            DLQ_DEPTH.labels(self.service, spec.name).set(waiting.get(spec.name, 0))

    async def _start_kafka(self) -> None:
        s = self.settings
        client_id = s.kafka_client_id or self.service
        self._kafka_publisher = KafkaPublisher(
            s.kafka_bootstrap_servers,
            client_id=client_id,
            topic_prefix=s.kafka_topic_prefix,
            client_options=s.kafka_options(),
        )
        starting = [self._kafka_publisher.start()]
        if s.kafka_create_topics:
            wanted = [self.topic(t) for t in self.publishes]
            for spec in self.consumer_specs:
                wanted += [self.topic(t) for t in spec.topics]
                wanted += [dlq_topic(self.topic(t), spec.name) for t in spec.topics]
            compact = {self.topic(t) for t in self.compacted}
            for names, config in (
                ([t for t in wanted if t not in compact], None),
                ([t for t in wanted if t in compact], {"cleanup.policy": "compact"}),
            ):
                starting.append(
                    ensure_topics(
                        s.kafka_bootstrap_servers,
                        names,
                        partitions=s.kafka_topic_partitions,
                        replication=s.kafka_topic_replication,
                        config=config,
                        client_options=s.kafka_options(),
                    )
                )
        try:
            await asyncio.gather(*starting)
        except BaseException:
            await self._kafka_publisher.stop()
            raise
        self.publisher = self._kafka_publisher
        groups: dict[str, dict[str, EventProcessor]] = {}
        for spec in self.consumer_specs:
            sink = KafkaDeadLetterSink(self._kafka_publisher, spec.name)
            processor = self._processor(spec, dead_letters=sink)
            routes = groups.setdefault(spec.name, {})
            routes.update({self.topic(t): processor for t in spec.topics})
        for group, routes in groups.items():
            runner = KafkaConsumerRunner(
                bootstrap=s.kafka_bootstrap_servers,
                group=group,
                topics=list(routes),
                processor=routes,
                client_id=client_id,
                fetch_max_wait_ms=s.kafka_fetch_max_wait_ms,
                **s.kafka_options(),
            )
            # Joining a group takes a rebalance; readiness must not wait for it.
            await runner.start(wait=False)
            self.runners.append(runner)
        if groups:
            self._dlq_watch = DeadLetterWatch(
                self.service,
                {g: list(routes) for g, routes in groups.items()},
                bootstrap=s.kafka_bootstrap_servers,
                client_options=s.kafka_options(),
            )
            self._dlq_watch.start()

    def _processor(
        self, spec: ConsumerSpec, dead_letters: KafkaDeadLetterSink | None
    ) -> EventProcessor:
        assert self.inbox is not None
        processor = EventProcessor(
            name=spec.name,
            sessions=self.sessions,
            tables=self.inbox,
            handler=spec.handler,
            handler_many=spec.handler_many,
            kind=spec.kind,
            dead_letters=dead_letters,
            clock=self.clock,
            max_retries=self.settings.consumer_max_retries,
            service=self.service,
        )
        self.processors[spec.name] = processor
        return processor

    async def stop(self) -> None:
        """Drain consumers (commit, leave group), finish the outbox batch, close everything."""
        unregister_probe(f"outbox:{self.service}")
        unregister_probe(f"dlq:{self.service}")
        if self._dlq_watch is not None:
            await self._dlq_watch.stop()
            self._dlq_watch = None
        for runner in self.runners:
            await runner.stop()
        self.runners = []
        if self.relay is not None:
            await self.relay.stop()
        if self._kafka_publisher is not None:
            await self._kafka_publisher.stop()
        await self.engine.dispose()
        tracing.shutdown(self.service)
        self.started = False

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await within(2, conn.execute(text("SELECT 1")))

    async def check_bus(self) -> None:
        if self._kafka_publisher is not None:
            await within(2, self._kafka_publisher.ping())

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        return {"database": self.check_database, "bus": self.check_bus}

    def liveness_failures(self) -> list[str]:
        """What this process cannot recover from by itself: a consumer loop that has ended."""
        return [
            f"consumer {r.group}: {type(r.failure).__name__}"
            for r in self.runners
            if r.failure is not None
        ]
