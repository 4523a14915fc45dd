"""Moves commissions on at their deadlines, whether or not anyone calls the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from streetlevel.commissioning.adapters.repository import Commissions
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.evaluation import close_commission

log = logging.getLogger(__name__)


async def run_due_jobs(services: Services, now: datetime | None = None) -> int:
    """Close every open commission past its deadline; returns how many this replica closed.

    Each job is claimed with ``FOR UPDATE SKIP LOCKED`` in its own transaction, so several
    replicas share the work without doing any of it twice.
    """
    when = now or services.clock.now()
    done = 0
    while True:
        async with services.uow() as uow:
            claimed = await Commissions(uow.session).claim_due(when, limit=1)
            if not claimed:
                return done
            commission = await close_commission(
                services=services, session=uow.session, commission_id=claimed[0], now=when
            )
            if commission is not None:
                uow.track(commission)
                done += 1
            await uow.commit()


class Scheduler:
    """A background task in the lifespan that runs due jobs every ``interval_s``."""

    def __init__(self, services: Services, interval_s: float) -> None:
        self.services = services
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="commissioning-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await run_due_jobs(self.services)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is retried on the next tick
                log.exception("scheduler round failed")
            await asyncio.sleep(self.interval_s)
