"""Hot reads with Core: observation lists and the verified figures reports are built from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.domain.rollup import Contribution
from streetlevel.outcomes.domain.values import Period

o = orm.observations.c
c = orm.contracts.c


async def observations_for(
    session: AsyncSession,
    *,
    org: str | None,
    enterprise_id: str | None,
    plan_id: str | None,
    contract_id: str | None,
    status: str | None,
    after: str | None,
    limit: int,
) -> Sequence[Any]:
    """Observations of contracts the caller buys or supplies, oldest first."""
    parties = []
    if org is not None:
        parties.append(c.buyer_id == org)
    if enterprise_id is not None:
        parties.append(c.supplier_id == enterprise_id)
    if not parties:
        return []
    query = (
        select(orm.observations)
        .join(orm.contracts, orm.contracts.c.id == o.contract_id)
        .where(or_(*parties))
        .order_by(o.id)
        .limit(limit)
    )
    if plan_id is not None:
        query = query.where(o.plan_id == plan_id)
    if contract_id is not None:
        query = query.where(o.contract_id == contract_id)
    if status is not None:
        query = query.where(o.status == status)
    if after is not None:
        query = query.where(o.id > after)
    return (await session.execute(query)).all()


async def current_observations(session: AsyncSession, *, contract_id: str) -> Sequence[Any]:
    """The current (not superseded) observations of one contract."""
    query = select(orm.observations).where(o.contract_id == contract_id).where(o.current.is_(True))
    return (await session.execute(query)).all()


async def verified_contributions(
    session: AsyncSession, *, indicator_code: str | None = None
) -> dict[str, list[Contribution]]:
    """Every current verified figure, by indicator: what public reports are built from."""
    query = select(
        o.indicator_code, o.contract_id, o.area, o.period_start, o.period_end, o.value
    ).where(o.current.is_(True), o.status == "verified")
    if indicator_code is not None:
        query = query.where(o.indicator_code == indicator_code)
    found: dict[str, list[Contribution]] = {}
    for row in (await session.execute(query.order_by(o.id))).all():
        found.setdefault(row.indicator_code, []).append(
            Contribution(
                contract_id=row.contract_id,
                area=row.area,
                period=Period(start=row.period_start, end=row.period_end),
                value=row.value,
            )
        )
    return found
