"""The delivery worker: claims due deliveries and sends them, each endpoint with its own bound."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import timedelta

from streetlevel.common.metrics import (
    WEBHOOK_OLDEST_DUE_AGE,
    WEBHOOK_QUEUE,
    register_probe,
    unregister_probe,
)
from streetlevel.common.runtime import Runtime
from streetlevel.common.timeouts import end_loop, within
from streetlevel.notifications.adapters import deliveries
from streetlevel.notifications.adapters.deliveries import Due, claim_due
from streetlevel.notifications.adapters.sender import Outcome, Sender
from streetlevel.notifications.domain import signing
from streetlevel.notifications.service.delivery import apply_outcomes
from streetlevel.notifications.settings import NotificationsSettings

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Per-endpoint queues, bounded: a dead endpoint only ever holds its own slots."""

    def __init__(
        self,
        runtime: Runtime,
        settings: NotificationsSettings,
        sender: Sender,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        self.sender = sender
        self.rand = rand
        self.in_flight: dict[str, int] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(settings.delivery_concurrency)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._results: asyncio.Queue[tuple[Due, Outcome]] = asyncio.Queue()
        # SQLite has one writer: hundreds of attempts racing for it would time out on its lock.
        self._writes: asyncio.Lock | contextlib.nullcontext[None] = (
            asyncio.Lock() if settings.is_sqlite else contextlib.nullcontext()
        )
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    def _room(self, subscription_id: str) -> int:
        return self.settings.delivery_per_endpoint - self.in_flight.get(subscription_id, 0)

    async def claim(self) -> list[Due]:
        # Claimed ahead by up to one outcome batch: while a batch is being recorded its slots are
        # still taken, and the next deliveries are already waiting for a connection slot (the
        # semaphore keeps attempts on the wire to ``delivery_concurrency``).
        budget = self.settings.delivery_concurrency + self.settings.delivery_batch_size
        free = budget - sum(self.in_flight.values())
        if free <= 0:
            return []
        busy = [s for s, n in self.in_flight.items() if n >= self.settings.delivery_per_endpoint]
        uow = self.runtime.uow()
        async with self._writes, uow:
            taken = await claim_due(
                uow.session,
                now=uow.clock.now(),
                limit=min(free, self.settings.delivery_batch_size),
                room=self._room,
                busy=busy,
                claim_for=timedelta(seconds=self.settings.delivery_claim_s),
                skip_locked=not self.settings.is_sqlite,
            )
            await uow.commit()
        return taken

    async def run_once(self) -> int:
        """Claim what is due and start sending it; returns how many attempts started."""
        taken = await self.claim()
        for due in taken:
            self.in_flight[due.subscription_id] = self.in_flight.get(due.subscription_id, 0) + 1
            task = asyncio.create_task(self._attempt(due))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return len(taken)

    async def drain(self) -> None:
        """Wait for every attempt in flight and its outcome recorded (tests and shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        await self._results.join()

    async def deliver_due(self) -> int:
        """One round to completion: what tests call instead of waiting for the loop."""
        started = await self.run_once()
        await self.drain()
        return started

    def _release(self, subscription_id: str) -> None:
        left = self.in_flight.get(subscription_id, 1) - 1
        if left > 0:
            self.in_flight[subscription_id] = left
        else:
            self.in_flight.pop(subscription_id, None)
        self._wake.set()

    async def _attempt(self, due: Due) -> None:
        # The attempt hands its outcome to the recorder and ends: the recorder frees the slot
        # once the batch is written (no future and no wake-up per attempt to wait for it).
        handed = False
        try:
            async with self.slots:
                if not due.secrets:
                    return
                timestamp = int(self.runtime.clock.now().timestamp())
                headers = signing.headers(list(due.secrets), due.message_id, timestamp, due.body)
                outcome: Outcome = await self.sender(due.url, headers, due.body)
            self._results.put_nowait((due, outcome))
            handed = True
            self._ensure_recorder()
        except Exception:  # the claim expires and the delivery is tried again
            log.exception(
                "delivery %s to webhook %s failed to complete", due.id, due.subscription_id
            )
        finally:
            if not handed:
                self._release(due.subscription_id)

    def _ensure_recorder(self) -> None:
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record(), name="webhook-outcomes")

    async def _record(self) -> None:
        """Record finished attempts in batches: one transaction for all that are waiting."""
        while True:
            batch = [await self._results.get()]
            while not self._results.empty() and len(batch) < self.settings.delivery_batch_size:
                batch.append(self._results.get_nowait())
            try:
                async with self._writes:
                    await apply_outcomes(uow=self.runtime.uow(), results=batch, rand=self.rand)
                self.sent += len(batch)
            except Exception:  # unrecorded: their claims expire and they go again
                log.exception("recording %d delivery outcomes failed", len(batch))
            finally:
                for due, _ in batch:
                    self._release(due.subscription_id)
                    self._results.task_done()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                started = await self.run_once()
            except Exception:  # a database blip pauses delivery, never ends it
                log.exception("delivery worker round failed")
                started = 0
            if started == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await within(self.settings.delivery_poll_interval_s, self._wake.wait())

    def start(self) -> None:
        self._stopping.clear()
        self._loop = asyncio.create_task(self._run(), name="webhook-delivery")
        register_probe("webhooks:notifications", self.measure_queue)

    async def measure_queue(self) -> None:
        """The on-call view of the queue, measured before each scrape."""
        now = self.runtime.clock.now()
        async with self.runtime.sessions() as session:
            depth = await deliveries.queue_depth(session, now)
        service = self.settings.service_name
        WEBHOOK_QUEUE.labels(service, "due").set(depth.due)
        WEBHOOK_QUEUE.labels(service, "waiting").set(depth.waiting)
        oldest = depth.oldest_due_at
        WEBHOOK_OLDEST_DUE_AGE.labels(service).set(
            max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        )

    async def stop(self) -> None:
        unregister_probe("webhooks:notifications")
        await end_loop(self._loop, self._stopping)
        self._loop = None
        await self.drain()
        if self._recorder is not None:
            self._recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recorder
            self._recorder = None
