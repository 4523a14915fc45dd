"""The outcome of one delivery attempt, applied in one unit of work."""

from __future__ import annotations

from collections.abc import Callable

from streetlevel.common.uow import UnitOfWork
from streetlevel.notifications.adapters.deliveries import Due, record_attempt
from streetlevel.notifications.adapters.private import write_private
from streetlevel.notifications.adapters.repository import SubscriptionRepository
from streetlevel.notifications.adapters.sender import Outcome
from streetlevel.notifications.domain.retries import (
    endpoint_expired,
    is_gone,
    is_success,
    next_attempt,
)


async def apply_outcome(
    *, uow: UnitOfWork, due: Due, outcome: Outcome, rand: Callable[[], float]
) -> str:
    """Delivered, retried later, or given up; the endpoint is disabled on 410 or after 3 days."""
    async with uow:
        now = uow.clock.now()
        repo = SubscriptionRepository(uow.session)
        sub = await repo.get(due.subscription_id)
        if sub is None:
            return "dropped"  # deleted while the attempt was in flight
        loaded, was_failing = sub.version, sub.failing_since
        if is_success(outcome.status):
            status, when = "delivered", None
            sub.delivered(now)
        else:
            sub.failed(now)
            when = (
                None
                if is_gone(outcome.status)
                else next_attempt(due.attempts + 1, now, due.created_at, rand)
            )
            status = "pending" if when is not None else "failed"
            if is_gone(outcome.status):
                sub.disable("the receiver answered 410 Gone", now)
            elif endpoint_expired(sub.failing_since, now):
                sub.disable("every delivery failed for three days", now)
        await record_attempt(uow.session, due, outcome, at=now, status=status, next_attempt_at=when)
        if sub.version != loaded or sub.failing_since != was_failing:
            await repo.save(sub, loaded_version=loaded)
        private = [(e, sub.owner) for e in sub.take_events()]
        await write_private(uow, private)
        await uow.commit()
    if private and uow.on_commit is not None:
        uow.on_commit()  # wake the relay: the owner hears of it now, not at the next poll
    return status
