"""Hot reads with SQLAlchemy Core: keyset-paged lists of commissions, contracts, releases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract

BATCH = 200


async def _page(
    session: AsyncSession,
    query: Select[Any],
    key: Any,
    after: Any,
    limit: int,
    keep: Callable[[Any], bool],
) -> tuple[list[Any], Any]:
    """Rows after ``after`` that ``keep`` accepts, at most ``limit``, and the next cursor key."""
    found: list[Any] = []
    cursor = after
    while True:
        q = query.order_by(key).limit(BATCH)
        if cursor is not None:
            q = q.where(key > cursor)
        rows = list((await session.execute(q)).mappings())
        for row in rows:
            if keep(row):
                found.append(row)
                if len(found) > limit:
                    return found[:limit], found[limit - 1][key.name]
        if len(rows) < BATCH:
            return found, None
        cursor = rows[-1][key.name]


async def list_commissions(
    session: AsyncSession,
    *,
    viewer_org: str | None,
    after: str | None,
    limit: int,
    keep: Callable[[Commission], bool],
) -> tuple[list[Commission], str | None]:
    t = orm.commissions
    query = select(t)
    if viewer_org:
        query = query.where((t.c.status != "draft") | (t.c.buyer_id == viewer_org))
    else:
        query = query.where(t.c.status != "draft")
    rows, nxt = await _page(
        session, query, t.c.id, after, limit, lambda r: keep(CommissionRepository.of(r))
    )
    return [CommissionRepository.of(r) for r in rows], nxt


async def list_contracts(
    session: AsyncSession,
    *,
    filters: dict[str, str | None],
    after: str | None,
    limit: int,
) -> tuple[list[Contract], str | None]:
    t = orm.contracts
    query = select(t)
    for column in ("commission_id", "supplier_id", "buyer_id", "status"):
        if filters.get(column):
            query = query.where(t.c[column] == filters[column])
    rows, nxt = await _page(session, query, t.c.id, after, limit, lambda _r: True)
    return [ContractRepository.of(r) for r in rows], nxt


async def list_releases(
    session: AsyncSession, *, after: int | None, limit: int, ocid: str | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    t = orm.releases
    query = select(t.c.seq, t.c.document)
    if ocid:
        query = query.where(t.c.ocid == ocid)
    rows, nxt = await _page(session, query, t.c.seq, after, limit, lambda _r: True)
    return [dict(r["document"]) for r in rows], nxt


async def release_by_id(session: AsyncSession, release_id: str) -> dict[str, Any] | None:
    t = orm.releases
    row = (await session.execute(select(t.c.document).where(t.c.release_id == release_id))).first()
    return None if row is None else dict(row[0])


async def releases_for(session: AsyncSession, ocid: str) -> list[dict[str, Any]]:
    t = orm.releases
    rows = await session.execute(select(t.c.document).where(t.c.ocid == ocid).order_by(t.c.seq))
    return [dict(r[0]) for r in rows]


async def questions(session: AsyncSession, commission_id: str) -> list[dict[str, Any]]:
    q = orm.questions
    rows = await session.execute(
        select(q).where(q.c.commission_id == commission_id).order_by(q.c.asked_at, q.c.id)
    )
    return [dict(r) for r in rows.mappings()]


async def contracts_paying_for(session: AsyncSession, indicator_code: str) -> list[str]:
    """Ids of the contracts with ledger lines for ``indicator_code``."""
    t = orm.payment_lines
    query = select(t.c.contract_id).where(t.c.indicator_code == indicator_code).distinct()
    return sorted((await session.execute(query)).scalars())
