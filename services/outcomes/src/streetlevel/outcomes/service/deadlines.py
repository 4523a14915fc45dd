"""Escalates outcome reports left unverified past their deadline, whether or not anyone calls."""

from __future__ import annotations

from datetime import datetime

from streetlevel.common.db import database_now
from streetlevel.common.periodic import Periodic
from streetlevel.outcomes.adapters.observation_repository import ObservationRepository
from streetlevel.outcomes.service.context import Services


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


def deadline_scheduler(services: Services, interval_s: float) -> Periodic:
    """The background task that escalates overdue reports every ``interval_s``."""
    return Periodic(
        "outcomes-deadlines", lambda: escalate_overdue(services), interval_s, first=False
    )
