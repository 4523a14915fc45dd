"""The event log and the durable delivery queue: rows in, due rows out, attempts recorded."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.notifications.adapters.orm import attempts, deliveries, events, subscriptions
from streetlevel.notifications.adapters.sender import Outcome
from streetlevel.notifications.adapters.subscription_repository import secrets_from_json


@dataclass(frozen=True)
class Due:
    """A claimed delivery: what to send where."""

    id: int
    subscription_id: str
    message_id: str
    attempts: int
    created_at: datetime
    url: str
    body: bytes
    #: The secrets that sign it: read with the claim, not once per attempt.
    secrets: tuple[str, ...] = ()


def message_id(event_id: str) -> str:
    """The ``webhook-id``: one per event, so every retry and duplicate carries the same id."""
    return f"msg_{event_id}"


async def store_event(
    session: AsyncSession,
    *,
    event_id: str,
    type: str,
    audience: str | None,
    time: datetime,
    body: bytes,
    received_at: datetime,
) -> int:
    """Append an event to the log; its position orders feeds and replays."""
    result = await session.execute(
        insert(events)
        .values(
            event_id=event_id,
            type=type,
            audience=audience,
            time=time,
            received_at=received_at,
            body=body,
        )
        .returning(events.c.position)
    )
    return int(result.scalar_one())


async def enqueue(
    session: AsyncSession,
    *,
    position: int,
    msg_id: str,
    subscription_ids: Sequence[str],
    now: datetime,
) -> None:
    """One pending delivery per subscription, due now."""
    if not subscription_ids:
        return
    await session.execute(
        insert(deliveries),
        [
            {
                "subscription_id": sid,
                "position": position,
                "message_id": msg_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for sid in subscription_ids
        ],
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    room: Callable[[str], int],
    busy: Collection[str],
    claim_for: timedelta,
    skip_locked: bool,
) -> list[Due]:
    """Take due deliveries of active endpoints, at most ``room(endpoint)`` each.

    A claimed row is due again ``claim_for`` later: a worker killed mid-attempt loses nothing.
    Event bodies are read afterwards, once per event for the claimed rows only: a burst fans
    one event out to every endpoint, and joining it to each due row copied it a thousand times.
    """
    query = (
        select(
            deliveries.c.id,
            deliveries.c.subscription_id,
            deliveries.c.message_id,
            deliveries.c.attempts,
            deliveries.c.created_at,
            deliveries.c.position,
            subscriptions.c.url,
            subscriptions.c.secrets,
        )
        .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .where(
            deliveries.c.status == "pending",
            deliveries.c.next_attempt_at <= now,
            subscriptions.c.status == "active",
        )
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(limit)
    )
    if busy:
        query = query.where(deliveries.c.subscription_id.not_in(list(busy)))
    if skip_locked:
        query = query.with_for_update(of=deliveries, skip_locked=True)
    rows = []
    per_endpoint: dict[str, int] = {}
    for r in (await session.execute(query)).all():
        used = per_endpoint.get(r.subscription_id, 0)
        if used >= room(r.subscription_id):
            continue
        per_endpoint[r.subscription_id] = used + 1
        rows.append(r)
    if not rows:
        return []
    wanted = {r.position for r in rows}
    found = await session.execute(
        select(events.c.position, events.c.body).where(events.c.position.in_(wanted))
    )
    bodies: dict[int, bytes] = {position: body for position, body in found.all()}
    signing_of: dict[str, tuple[str, ...]] = {}
    taken: list[Due] = []
    for r in rows:
        signing = signing_of.get(r.subscription_id)
        if signing is None:
            signing = tuple(s.value for s in secrets_from_json(r.secrets) if s.valid_at(now))
            signing_of[r.subscription_id] = signing
        taken.append(
            Due(
                r.id,
                r.subscription_id,
                r.message_id,
                r.attempts,
                r.created_at,
                r.url,
                bodies[r.position],
                signing,
            )
        )
    if taken:
        await session.execute(
            update(deliveries)
            .where(deliveries.c.id.in_([d.id for d in taken]))
            .values(next_attempt_at=now + claim_for)
        )
    return taken


@dataclass(frozen=True)
class Attempt:
    """One finished attempt and where it leaves its delivery."""

    due: Due
    outcome: Outcome
    status: str
    next_attempt_at: datetime | None


async def record_attempts(session: AsyncSession, done: Sequence[Attempt], *, at: datetime) -> None:
    """Log a batch of attempts and move their deliveries on, a few statements for them all."""
    if not done:
        return
    await session.execute(
        insert(attempts),
        [
            {
                "delivery_id": a.due.id,
                "subscription_id": a.due.subscription_id,
                "message_id": a.due.message_id,
                "attempted_at": at,
                "status_code": a.outcome.status,
                "latency_ms": a.outcome.latency_ms,
                "error": a.outcome.error,
                "excerpt": a.outcome.excerpt or None,
            }
            for a in done
        ],
    )
    # Executemany: one prepared UPDATE per kind, not one round trip per delivery.
    finished = [a for a in done if a.status != "pending"]
    pending = [a for a in done if a.status == "pending"]
    by_id = deliveries.c.id == bindparam("b_id")
    if finished:
        await session.execute(
            update(deliveries)
            .where(by_id)
            .values(attempts=bindparam("b_attempts"), status=bindparam("b_status"), finished_at=at),
            [
                {"b_id": a.due.id, "b_attempts": a.due.attempts + 1, "b_status": a.status}
                for a in finished
            ],
        )
    if pending:
        await session.execute(
            update(deliveries)
            .where(by_id)
            .values(
                attempts=bindparam("b_attempts"),
                status="pending",
                next_attempt_at=bindparam("b_next"),
            ),
            [
                {"b_id": a.due.id, "b_attempts": a.due.attempts + 1, "b_next": a.next_attempt_at}
                for a in pending
            ],
        )


@dataclass(frozen=True)
class QueueDepth:
    """Pending deliveries of active endpoints: due now, waiting for a retry, the oldest due."""

    due: int
    waiting: int
    oldest_due_at: datetime | None


async def queue_depth(session: AsyncSession, now: datetime) -> QueueDepth:
    """One aggregate over the pending rows (the due index serves it)."""
    is_due = deliveries.c.next_attempt_at <= now
    row = (
        await session.execute(
            select(
                func.count().filter(is_due),
                func.count().filter(~is_due),
                func.min(case((is_due, deliveries.c.next_attempt_at))),
            )
            .select_from(
                deliveries.join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            )
            .where(deliveries.c.status == "pending", subscriptions.c.status == "active")
        )
    ).one()
    oldest = row[2]
    if isinstance(oldest, str):  # SQLite returns the aggregate untyped
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return QueueDepth(due=int(row[0] or 0), waiting=int(row[1] or 0), oldest_due_at=oldest)
