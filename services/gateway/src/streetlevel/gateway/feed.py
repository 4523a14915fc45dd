"""The public change feed: one writer stores every public event with a gapless position."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.db import WRITE
from streetlevel.common.errors import Gone
from streetlevel.common.events import TYPE_PREFIX, Envelope
from streetlevel.common.lease import Lease
from streetlevel.common.metrics import FEED_LAST_STORED
from streetlevel.common.runtime import Runtime
from streetlevel.common.timeouts import within
from streetlevel.gateway.adapters import orm
from streetlevel.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

CONSUMER = "gateway-feed"
#: Only these reach the feed; ``outcomes.observation.v1`` is internal and never consumed.
PUBLIC_TOPICS = (
    "registry.enterprise.v1",
    "registry.theme.v1",
    "commissioning.commission.v1",
    "commissioning.contract.v1",
    "outcomes.indicator.v1",
    "outcomes.plan.v1",
)
INTERNAL_TYPE_PREFIXES = (TYPE_PREFIX + "outcomes.observation.",)
PRIVATE_KEYS = frozenset(
    {"contact", "email", "phone", "annual_turnover", "turnover", "proposal", "private"}
)
PRIVATE_ADDRESS_FORMS = frozenset({"sole_trader", "partnership", "unincorporated_association"})


class PrivateDataRefused(Exception):
    """An event that would leak private fields or an internal type into the open feed."""


def private_fields(value: Any, path: str = "data") -> list[str]:
    """Paths of fields that must never be public (defence in depth behind public topics)."""
    found: list[str] = []
    if isinstance(value, dict):
        private_address = value.get("legal_form") in PRIVATE_ADDRESS_FORMS
        for key, item in value.items():
            here = f"{path}.{key}"
            if key in PRIVATE_KEYS or (key == "address" and private_address and item):
                found.append(here)
            else:
                found.extend(private_fields(item, here))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(private_fields(item, f"{path}[{i}]"))
    return found


def event_store(clock: Clock) -> Callable[[AsyncSession, Envelope], Awaitable[None]]:
    """The feed consumer's handler: append each envelope at the next position."""

    async def store(session: AsyncSession, event: Envelope) -> None:
        now = clock.now()
        await store_event(session, event, stored_at=now)
        FEED_LAST_STORED.labels("gateway").set(now.timestamp())

    return store


async def store_event(session: AsyncSession, event: Envelope, *, stored_at: datetime) -> None:
    """Append one envelope at the next position, inside the consumer's transaction."""
    if event.type.startswith(INTERNAL_TYPE_PREFIXES):
        raise PrivateDataRefused(f"internal event type {event.type}")
    leaks = private_fields(event.data)
    if leaks:
        # Name the fields, never their values: they are personal data.
        raise PrivateDataRefused(f"{event.type} {event.id} carries private fields {leaks}")
    head = orm.feed_head
    # The head row's lock serialises writers, so positions commit in order and never skip.
    position = (
        await session.execute(
            update(head)
            .where(head.c.id == 1)
            .values(last_position=head.c.last_position + 1)
            .returning(head.c.last_position)
        )
    ).scalar_one()
    await session.execute(
        insert(orm.feed_events).values(
            position=position,
            event_id=event.id,
            type=event.type,
            subject=event.subject,
            time=event.time,
            envelope=event.to_json().decode(),
            stored_at=stored_at,
        )
    )


def full_type(name: str) -> str:
    return name if name.startswith(TYPE_PREFIX) else TYPE_PREFIX + name


class FeedReader:
    """Pages of the feed after a position; every replica serves reads."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def page(
        self, *, after: int | None, limit: int, types: list[str] | None = None
    ) -> list[dict[str, Any]]:
        fe = orm.feed_events
        async with self.engine.connect() as conn:
            head = (await conn.execute(select(orm.feed_head.c.pruned_through))).scalar_one()
            if after is not None and after < head:
                raise Gone(
                    f"Position {after} is older than the feed's retention; restart from the "
                    f"oldest retained event (omit the cursor).",
                    oldest_position=head + 1,
                )
            query = select(fe.c.position, fe.c.envelope).order_by(fe.c.position).limit(limit)
            if after is not None:
                query = query.where(fe.c.position > after)
            if types:
                query = query.where(fe.c.type.in_([full_type(t) for t in types]))
            rows = (await conn.execute(query)).all()
        # A string, like `sequence` and the cursor it is passed back as (compare as integers).
        return [{**orjson.loads(r.envelope), "position": str(r.position)} for r in rows]

    async def stream(
        self,
        *,
        after: int | None,
        types: list[str] | None,
        poll_s: float,
        heartbeat_s: float,
        clock: Callable[[], float],
        batch: int = 200,
    ) -> AsyncIterator[bytes]:
        """Server-Sent Events from ``after`` on: ``id`` is the position; comments keep alive."""
        last_sent = clock()
        yield b"retry: 2000\n\n"
        while True:
            items = await self.page(after=after, limit=batch, types=types)
            for item in items:
                after = int(item["position"])
                yield (
                    f"id: {after}\nevent: {item['type']}\n".encode()
                    + b"data: "
                    + orjson.dumps(item)
                    + b"\n\n"
                )
                last_sent = clock()
            if len(items) == batch:
                continue
            if clock() - last_sent >= heartbeat_s:
                yield b": heartbeat\n\n"
                last_sent = clock()
            await asyncio.sleep(poll_s)


async def prune(engine: AsyncEngine, *, clock: Clock, retention: timedelta) -> int:
    """Forget events older than the retention; cursors before them get 410."""
    fe, head = orm.feed_events, orm.feed_head
    cutoff = clock.now() - retention
    async with engine.connect() as conn:
        conn = await conn.execution_options(**WRITE)
        async with conn.begin():
            newest = (
                await conn.execute(select(func.max(fe.c.position)).where(fe.c.stored_at < cutoff))
            ).scalar_one_or_none()
            if newest is None:
                return 0
            result = await conn.execute(delete(fe).where(fe.c.position <= newest))
            await conn.execute(
                update(head)
                .where(head.c.id == 1)
                .where(head.c.pruned_through < newest)
                .values(pruned_through=newest)
            )
    return int(result.rowcount or 0)


class FeedWriter:
    """Consumes the public topics only while holding the feed lease (one writer per database)."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        lease: Lease,
        clock: Clock,
        memory_bus: MemoryBus | None = None,
    ) -> None:
        self.settings = settings
        self.lease = lease
        self.clock = clock
        self.memory_bus = memory_bus
        self.runtime: Runtime | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def is_writing(self) -> bool:
        return self.runtime is not None

    def _new_runtime(self) -> Runtime:
        runtime = Runtime(
            self.settings,
            outbox=orm.outbox,
            inbox=orm.inbox,
            clock=self.clock,
            memory_bus=self.memory_bus,
        )
        runtime.consume(CONSUMER, PUBLIC_TOPICS, event_store(self.clock), kind="snapshot")
        return runtime

    async def start(self) -> None:
        if await self.lease.acquire():
            await self._start_runtime()
        self._task = asyncio.create_task(self._run(), name="feed-writer-lease")

    async def _start_runtime(self) -> None:
        runtime = self._new_runtime()
        await runtime.start()
        self.runtime = runtime
        log.info("feed writer active")

    async def _stop_runtime(self) -> None:
        runtime, self.runtime = self.runtime, None
        if runtime is not None:
            await runtime.stop()
            log.info("feed writer stood down")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if self.runtime is None:
                    if await self.lease.acquire():
                        await self._start_runtime()
                elif not await self.lease.check():
                    await self._stop_runtime()
                else:
                    await prune(
                        self.runtime.engine,
                        clock=self.clock,
                        retention=timedelta(days=self.settings.feed_retention_days),
                    )
            except Exception as exc:  # the lease loop must survive a database blip
                log.warning("feed writer: %s: %s", type(exc).__name__, exc)
            with contextlib.suppress(TimeoutError):
                await within(self.settings.feed_lease_check_s, self._stopping.wait())

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stop_runtime()
        await self.lease.release()
