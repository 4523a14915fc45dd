"""Subscriptions to and from rows, by hand (no ORM mapping, no lazy loading)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.errors import PreconditionFailed
from streetlevel.notifications.adapters.orm import subscription_generation, subscriptions
from streetlevel.notifications.domain.subscriptions import Filters, Secret, Subscription


def filters_to_json(filters: Filters) -> dict[str, Any]:
    return {
        "event_types": list(filters.event_types),
        "areas": list(filters.areas),
        "themes": list(filters.themes),
        "commission_id": filters.commission_id,
        "contract_id": filters.contract_id,
    }


def filters_from_json(data: dict[str, Any]) -> Filters:
    return Filters(
        event_types=tuple(data.get("event_types") or ()),
        areas=tuple(data.get("areas") or ()),
        themes=tuple(data.get("themes") or ()),
        commission_id=data.get("commission_id"),
        contract_id=data.get("contract_id"),
    )


def _secrets_to_json(values: list[Secret]) -> list[dict[str, Any]]:
    return [
        {"value": s.value, "expires_at": s.expires_at.isoformat() if s.expires_at else None}
        for s in values
    ]


def secrets_from_json(data: list[dict[str, Any]]) -> list[Secret]:
    return [
        Secret(d["value"], datetime.fromisoformat(d["expires_at"]) if d["expires_at"] else None)
        for d in data
    ]


def to_subscription(row: RowMapping) -> Subscription:
    return Subscription(
        id=row["id"],
        owner=row["owner"],
        url=row["url"],
        description=row["description"],
        filters=filters_from_json(row["filters"]),
        status=row["status"],
        disabled_reason=row["disabled_reason"],
        failing_since=row["failing_since"],
        secrets=secrets_from_json(row["secrets"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(sub: Subscription) -> dict[str, Any]:
    return {
        "owner": sub.owner,
        "url": sub.url,
        "description": sub.description,
        "filters": filters_to_json(sub.filters),
        "status": sub.status,
        "disabled_reason": sub.disabled_reason,
        "failing_since": sub.failing_since,
        "secrets": _secrets_to_json(sub.secrets),
        "version": sub.version,
        "created_at": sub.created_at,
        "updated_at": sub.updated_at,
    }


class SubscriptionRepository:
    """Loads and stores subscriptions; flushes, never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, subscription_id: str) -> Subscription | None:
        row = (
            (
                await self.session.execute(
                    select(subscriptions).where(subscriptions.c.id == subscription_id)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else to_subscription(row)

    async def get_many(self, ids: set[str]) -> dict[str, Subscription]:
        """Several at once (a batch of delivery outcomes), in one query."""
        query = select(subscriptions).where(subscriptions.c.id.in_(list(ids)))
        rows = (await self.session.execute(query)).mappings()
        return {r["id"]: to_subscription(r) for r in rows}

    async def failing_since_of(self, ids: set[str]) -> dict[str, datetime | None]:
        """Which of ``ids`` still exist and since when each is failing: two columns, no parsing."""
        query = select(subscriptions.c.id, subscriptions.c.failing_since).where(
            subscriptions.c.id.in_(list(ids))
        )
        return {sid: since for sid, since in (await self.session.execute(query)).all()}

    async def add(self, sub: Subscription) -> None:
        await self.session.execute(subscriptions.insert().values(id=sub.id, **_values(sub)))
        await self._bump()

    async def save(self, sub: Subscription, *, loaded_version: int) -> None:
        """Write back; a concurrent change since loading is a 412 (optimistic concurrency)."""
        result = await self.session.execute(
            subscriptions.update()
            .where(subscriptions.c.id == sub.id, subscriptions.c.version == loaded_version)
            .values(**_values(sub))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise PreconditionFailed("The webhook changed while this request was applied.")
        await self._bump()

    async def delete(self, subscription_id: str) -> None:
        await self.session.execute(
            subscriptions.delete().where(subscriptions.c.id == subscription_id)
        )
        await self._bump()

    async def _bump(self) -> None:
        # In the writer's own transaction: a cached match list is stale exactly when it commits.
        await self.session.execute(
            update(subscription_generation)
            .where(subscription_generation.c.id == 1)
            .values(generation=subscription_generation.c.generation + 1)
        )

    async def generation(self) -> int:
        """The subscriptions' generation: read before the rows a cache keeps under it."""
        query = select(subscription_generation.c.generation).where(
            subscription_generation.c.id == 1
        )
        return int((await self.session.execute(query)).scalar_one())

    async def count_for(self, owner: str) -> int:
        query = (
            select(func.count()).select_from(subscriptions).where(subscriptions.c.owner == owner)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def of_owner(self, owner: str) -> list[Subscription]:
        query = (
            select(subscriptions)
            .where(subscriptions.c.owner == owner)
            .order_by(subscriptions.c.created_at, subscriptions.c.id)
        )
        return [to_subscription(r) for r in (await self.session.execute(query)).mappings()]

    async def active_filters(self) -> list[tuple[str, str, Filters]]:
        """Id, owner and filters of every active subscription: all that fan-out matches on."""
        query = select(subscriptions.c.id, subscriptions.c.owner, subscriptions.c.filters).where(
            subscriptions.c.status == "active"
        )
        rows = (await self.session.execute(query)).all()
        return [(sid, owner, filters_from_json(data)) for sid, owner, data in rows]
