"""Escalates outcome reports left unverified past their deadline, whether or not anyone calls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from streetlevel.common.db import database_now
from streetlevel.outcomes.adapters.observation_repository import ObservationRepository
from streetlevel.outcomes.service.context import Services

log = logging.getLogger(__name__)


async def escalate_overdue(services: Services, now: datetime | None = None) -> int:
    """Escalate each overdue report in its own transaction; how many this replica did.

    Claimed with ``FOR UPDATE SKIP LOCKED``, so replicas share the work and never do it twice.
    Without ``now`` the time is the database clock on PostgreSQL (the injected one on SQLite).
    """
    done = 0
    while True:
        async with services.uow() as uow:
            when = now or await database_now(uow.session, services.clock)
            repo = ObservationRepository(uow.session)
            claimed = await repo.claim_overdue(when)
            observation = await repo.get(claimed[0]) if claimed else None
            if observation is None or not observation.escalate(now=when):
                return done  # nothing (more) to do: never spin on the same row
            await repo.save(observation)
            await repo.note(
                observation.id, action="escalated", note=None, actor="scheduler", at=when
            )
            uow.track(observation)
            await uow.commit()
            done += 1


class DeadlineScheduler:
    """A background task in the lifespan that escalates overdue reports every ``interval_s``."""

    def __init__(self, services: Services, interval_s: float) -> None:
        self.services = services
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outcomes-deadlines")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await escalate_overdue(self.services)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is retried on the next tick
                log.exception("deadline round failed")
