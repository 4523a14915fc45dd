"""The event log and the durable delivery queue: rows in, due rows out, attempts recorded."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import case, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.notifications.adapters.orm import deliveries, events, subscriptions
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


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format: due times compare as text, so it must match.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


#: One statement per event whatever the number of webhooks: the ids travel as one JSON array.
_ENQUEUE_PG = text(
    """
    INSERT INTO deliveries (subscription_id, position, message_id, status, attempts,
                            next_attempt_at, created_at)
    SELECT t.sid, :position, :msg, 'pending', 0, CAST(:now AS timestamptz),
           CAST(:now AS timestamptz)
    FROM jsonb_array_elements_text(CAST(CAST(:ids AS text) AS jsonb)) WITH ORDINALITY AS t(sid, i)
    ORDER BY t.i
    """
)
_ENQUEUE_SQLITE = text(
    """
    INSERT INTO deliveries (subscription_id, position, message_id, status, attempts,
                            next_attempt_at, created_at)
    SELECT value, :position, :msg, 'pending', 0, :now, :now FROM json_each(:ids) ORDER BY key
    """
)


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
    ids = orjson.dumps(list(subscription_ids)).decode()
    if session.get_bind().dialect.name == "sqlite":
        params = {"position": position, "msg": msg_id, "ids": ids, "now": _sqlite_time(now)}
        await session.execute(_ENQUEUE_SQLITE, params)
    else:
        params = {"position": position, "msg": msg_id, "ids": ids, "now": now}
        await session.execute(_ENQUEUE_PG, params)


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


#: PostgreSQL: the batch's attempts logged and its deliveries moved on in one statement (one
#: round trip, no per-row parameters): the rows travel as one JSON array.
_RECORD_PG = text(
    """
    WITH v AS (
        SELECT * FROM jsonb_to_recordset(CAST(CAST(:rows AS text) AS jsonb)) AS v(
            i integer, id bigint, sub text, msg text, n integer, status text,
            next timestamptz, code integer, latency integer, error text, excerpt text)
    ), moved AS (
        UPDATE deliveries AS d
        SET attempts = v.n,
            status = v.status,
            next_attempt_at = COALESCE(v.next, d.next_attempt_at),
            finished_at = CASE WHEN v.status = 'pending' THEN d.finished_at
                               ELSE CAST(:at AS timestamptz) END
        FROM v
        WHERE d.id = v.id
    )
    INSERT INTO attempts (delivery_id, subscription_id, message_id, attempted_at,
                          status_code, latency_ms, error, excerpt)
    SELECT v.id, v.sub, v.msg, CAST(:at AS timestamptz), v.code, v.latency, v.error, v.excerpt
    FROM v ORDER BY v.i
    """
)
#: SQLite has no data-modifying CTE: two statements over the same JSON array, still one each
#: for the whole batch. Timestamps are written as SQLAlchemy writes them there (naive UTC text).
_LOG_SQLITE = text(
    """
    WITH v AS (
        SELECT json_extract(value, '$.i') AS i, json_extract(value, '$.id') AS id,
               json_extract(value, '$.sub') AS sub, json_extract(value, '$.msg') AS msg,
               json_extract(value, '$.n') AS n, json_extract(value, '$.status') AS status,
               json_extract(value, '$.next') AS next, json_extract(value, '$.code') AS code,
               json_extract(value, '$.latency') AS latency, json_extract(value, '$.error') AS error,
               json_extract(value, '$.excerpt') AS excerpt
        FROM json_each(:rows)
    )
    INSERT INTO attempts (delivery_id, subscription_id, message_id, attempted_at,
                          status_code, latency_ms, error, excerpt)
    SELECT v.id, v.sub, v.msg, :at, v.code, v.latency, v.error, v.excerpt FROM v ORDER BY v.i
    """
)
_MOVE_SQLITE = text(
    """
    WITH v AS (
        SELECT json_extract(value, '$.i') AS i, json_extract(value, '$.id') AS id,
               json_extract(value, '$.sub') AS sub, json_extract(value, '$.msg') AS msg,
               json_extract(value, '$.n') AS n, json_extract(value, '$.status') AS status,
               json_extract(value, '$.next') AS next, json_extract(value, '$.code') AS code,
               json_extract(value, '$.latency') AS latency, json_extract(value, '$.error') AS error,
               json_extract(value, '$.excerpt') AS excerpt
        FROM json_each(:rows)
    )
    UPDATE deliveries
    SET attempts = v.n,
        status = v.status,
        next_attempt_at = COALESCE(v.next, deliveries.next_attempt_at),
        finished_at = CASE WHEN v.status = 'pending' THEN deliveries.finished_at ELSE :at END
    FROM v
    WHERE deliveries.id = v.id
    """
)


async def record_attempts(session: AsyncSession, done: Sequence[Attempt], *, at: datetime) -> None:
    """Log a batch of attempts and move their deliveries on: one statement on PostgreSQL.

    The claim leased each row by moving its ``next_attempt_at`` on; this ends the lease (a
    retry's due time, or the row finished) in the statement that logs the attempt.
    """
    if not done:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"

    def when(value: datetime | None) -> str | None:
        if value is None:
            return None
        return _sqlite_time(value) if sqlite else value.isoformat()

    rows = orjson.dumps(
        [
            {
                "i": i,
                "id": a.due.id,
                "sub": a.due.subscription_id,
                "msg": a.due.message_id,
                "n": a.due.attempts + 1,
                "status": a.status,
                "next": when(a.next_attempt_at) if a.status == "pending" else None,
                "code": a.outcome.status,
                "latency": a.outcome.latency_ms,
                "error": a.outcome.error,
                "excerpt": a.outcome.excerpt or None,
            }
            for i, a in enumerate(done)
        ]
    ).decode()
    if sqlite:
        params = {"rows": rows, "at": _sqlite_time(at)}
        await session.execute(_LOG_SQLITE, params)
        await session.execute(_MOVE_SQLITE, params)
    else:
        await session.execute(_RECORD_PG, {"rows": rows, "at": at})


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
