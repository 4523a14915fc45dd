"""The outbox relay on an event loop of its own, in a thread of the service's process.

In the service's own loop every step of the relay (woken by the commit, read the outbox on the
lease connection, hand the batch to the producer, the producer's sender writes it, the ack is
read, the relay resumes and marks) waits its turn behind whatever requests are ready to run:
at 50 changes/s the registry's loop is a third busy and commit → broker ack was tens of
milliseconds (docs/benchmarks.md, event_freshness). Here the relay, its lease connection and a
producer of its own live on a second loop in a thread: its steps wait for the GIL (released at
least every 5 ms by the request loop) instead of for the request queue.

It stays one relay per service under the lease, as ARCHITECTURE.md prescribes: the thread only
changes which loop runs it. Used with Kafka on PostgreSQL when ``outbox_relay_thread`` is set;
embedded mode's in-process bus lives on the service's loop, so its relay stays there. Measured
A/B (docs/benchmarks.md): about half the commit-to-applied latency at 500 writes/s, where the
request loop is saturated; at 50/s no consistent gain (the GIL hands over every 5 ms, and the
p99 was worse in two of four pairs), so it is off by default.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.bus.kafka import KafkaPublisher
from streetlevel.common.clock import Clock
from streetlevel.common.db import asyncpg_dsn, create_engine
from streetlevel.common.lease import Lease, PostgresLease
from streetlevel.common.outbox import OutboxRelay, Publisher, measure_backlog, notify_channel
from streetlevel.common.settings import CommonSettings

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[object]]


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is installed with uvicorn[standard]
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class RelayThread:
    """An ``OutboxRelay`` built and run on a loop in its own thread; the runtime's view of it.

    ``build(closers)`` runs on the thread's loop and returns the relay; it appends what to close
    after the relay (its producer, its engine) to ``closers`` as it opens each, so that a build
    that fails halfway closes what it had opened.
    """

    def __init__(
        self,
        *,
        service: str,
        build: Callable[[list[Closer]], Awaitable[OutboxRelay]],
        engine: AsyncEngine,
        table: Table,
        clock: Clock,
    ) -> None:
        self.service = service
        self._build = build
        self._engine, self._table, self._clock = engine, table, clock
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._relay: OutboxRelay | None = None
        self._stop: asyncio.Event | None = None
        self._ended: concurrent.futures.Future[None] = concurrent.futures.Future()

    async def start(self) -> None:
        """Start the thread; returns once its relay runs (or raises what stopped it)."""
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._main, args=(ready,), name=f"outbox-relay-{self.service}", daemon=True
        )
        self._thread.start()
        await asyncio.wrap_future(ready)

    def _main(self, ready: concurrent.futures.Future[None]) -> None:
        loop = _new_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(ready))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except BaseException as exc:  # reported to start() or stop(), never lost in the thread
            log.exception("outbox relay thread of %s failed", self.service)
            for future in (ready, self._ended):
                if not future.done():
                    future.set_exception(exc)
        finally:
            self._loop = None
            loop.close()
            if not self._ended.done():
                self._ended.set_result(None)

    async def _serve(self, ready: concurrent.futures.Future[None]) -> None:
        self._stop = asyncio.Event()
        closers: list[Closer] = []
        try:
            relay = await self._build(closers)
            await relay.start()
            self._relay = relay
            self._loop = asyncio.get_running_loop()
            ready.set_result(None)
            await self._stop.wait()
            await relay.stop()
        finally:
            self._relay = None
            for close in reversed(closers):
                with contextlib.suppress(Exception):
                    await close()

    def wake(self) -> None:
        """From any thread (the service's commits): the relay looks at the outbox now."""
        loop, relay = self._loop, self._relay
        if loop is None or relay is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed as the service stopped
            loop.call_soon_threadsafe(relay.wake)

    async def stop(self) -> None:
        """Finish the batch in flight, release the lease, close the thread's connections."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            with contextlib.suppress(Exception):  # the thread logged it; the service stops on
                await asyncio.wrap_future(self._ended)
            self._thread.join()
            self._thread = None

    async def backlog(self) -> int:
        """The scrape's probe, on the service's loop and engine (the count needs no lease)."""
        return await measure_backlog(self._engine, self._table, self.service, self._clock)

    @property
    def is_active(self) -> bool:
        relay = self._relay
        return relay is not None and relay.is_active

    @property
    def published(self) -> int:
        relay = self._relay
        return relay.published if relay is not None else 0

    @property
    def last_error(self) -> str | None:
        relay = self._relay
        return relay.last_error if relay is not None else None


def configured_relay(
    settings: CommonSettings,
    *,
    engine: AsyncEngine,
    table: Table,
    publisher: Publisher,
    lease: Lease,
    clock: Clock,
) -> OutboxRelay:
    """The service's relay with its batch, poll and retention settings (either loop)."""
    return OutboxRelay(
        engine=engine,
        table=table,
        publisher=publisher,
        lease=lease,
        service=settings.service_name,
        clock=clock,
        batch_size=settings.outbox_batch_size,
        poll_interval_s=settings.outbox_poll_interval_s,
        retention=timedelta(hours=settings.outbox_retention_hours),
    )


def relay_lease(settings: CommonSettings) -> PostgresLease:
    """The service's relay lease on PostgreSQL: one name, so one relay, whichever loop holds it."""
    service = settings.service_name
    return PostgresLease(
        asyncpg_dsn(settings.direct_url), name=f"relay:{service}", channel=notify_channel(service)
    )


def relay_in_thread(
    settings: CommonSettings,
    *,
    engine: AsyncEngine,
    table: Table,
    clock: Clock,
) -> RelayThread:
    """The service's relay for Kafka on PostgreSQL, on its own loop with its own producer."""
    s = settings
    service = s.service_name

    async def build(closers: list[Closer]) -> OutboxRelay:
        publisher = KafkaPublisher(
            s.kafka_bootstrap_servers,
            client_id=f"{s.kafka_client_id or service}-relay",
            topic_prefix=s.kafka_topic_prefix,
            client_options=s.kafka_options(),
        )
        await publisher.start()
        closers.append(publisher.stop)
        # Its own small engine: SQLAlchemy's pool belongs to the loop that opened it. The
        # relay reads and marks on the lease connection; this one only prunes.
        own = create_engine(s.database_url, pool_size=1)
        closers.append(own.dispose)
        return configured_relay(
            s, engine=own, table=table, publisher=publisher, lease=relay_lease(s), clock=clock
        )

    return RelayThread(service=service, build=build, engine=engine, table=table, clock=clock)
