"""The outcomes of delivery attempts, applied together in one unit of work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from streetlevel.common.uow import UnitOfWork
from streetlevel.notifications.adapters.deliveries import Attempt, Due, record_attempts
from streetlevel.notifications.adapters.sender import Outcome
from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.domain.retries import (
    endpoint_expired,
    is_gone,
    is_success,
    next_attempt,
)
from streetlevel.notifications.domain.subscriptions import Subscription


async def apply_outcomes(
    *, uow: UnitOfWork, results: Sequence[tuple[Due, Outcome]], rand: Callable[[], float]
) -> list[str]:
    """Delivered, retried later, or given up; the endpoint is disabled on 410 or after 3 days.

    One transaction for a batch of attempts: on SQLite's single writer this is what lets
    thousands of deliveries a second be recorded.
    """
    statuses: list[str] = []
    async with uow:
        now = uow.clock.now()
        repo = SubscriptionRepository(uow.session)
        # A success on an endpoint that is not failing changes nothing about it: only endpoints
        # with a failure in the batch, or one failing so far, are loaded into the domain.
        failing = await repo.failing_since_of({due.subscription_id for due, _ in results})
        changing = {sid for sid, since in failing.items() if since is not None} | {
            due.subscription_id
            for due, outcome in results
            if due.subscription_id in failing and not is_success(outcome.status)
        }
        found = await repo.get_many(changing) if changing else {}
        loaded: dict[str, tuple[Subscription, int, object] | None] = {
            s.id: (s, s.version, s.failing_since) for s in found.values()
        }
        done: list[Attempt] = []
        for due, outcome in results:
            entry = loaded.get(due.subscription_id)
            if due.subscription_id not in failing or (
                entry is None and due.subscription_id in changing
            ):
                statuses.append("dropped")  # deleted while the attempt was in flight
                continue
            if is_success(outcome.status):
                status, when = "delivered", None
                if entry is not None:
                    entry[0].delivered(now)
            elif entry is not None:  # every endpoint with a failure was loaded
                sub = entry[0]
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
            done.append(Attempt(due, outcome, status, when))
            statuses.append(status)
        await record_attempts(uow.session, done, at=now)
        for entry in loaded.values():
            if entry is None:
                continue
            sub, version, was_failing = entry
            if sub.version != version or sub.failing_since != was_failing:
                await repo.save(sub, loaded_version=version)
            # Private to the owner: the envelope's audience names it (EVENTS.md).
            uow.emit(*(replace(e, audience=sub.owner) for e in sub.take_events()))
        await uow.commit()  # wakes the relay: the owner hears of it now, not at the next poll
    return statuses
