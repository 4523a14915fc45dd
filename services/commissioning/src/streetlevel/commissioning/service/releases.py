"""Writes an OCDS release for a state change, in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.adapters.ocds import build_release
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.common.ids import new_id


async def record_release(
    session: AsyncSession,
    *,
    commission: Commission,
    tag: str | list[str],
    now: datetime,
    base_url: str,
) -> None:
    """Snapshot the contracting process after ``tag``'s change as a new release row.

    ``base_url``: the platform's public base URL, for the absolute links the release carries.
    """
    repo = ContractRepository(session)
    contracts = await repo.for_commission(commission.id)
    enterprises = await ReadModelRepository(session).enterprises(
        [c.supplier_id for c in contracts]
        + [m.enterprise_id for c in contracts if c.consortium for m in c.consortium.members]
    )
    tenderers = None
    if commission.status in ("evaluation", "awarded", "complete"):
        bids = await BidRepository(session).for_commission(commission.id)
        tenderers = len({b.enterprise_id for b in bids if b.status != "withdrawn"})
    asked = await session.execute(
        select(func.count())
        .select_from(orm.questions)
        .where(orm.questions.c.commission_id == commission.id)
    )
    release_id = f"{commission.ocid}-{new_id()}"
    document = build_release(
        commission,
        contracts=contracts,
        enterprises=enterprises,
        tag=tag,
        release_id=release_id,
        date=now,
        tenderers=tenderers,
        base_url=base_url,
    )
    document["tender"]["hasEnquiries"] = bool(asked.scalar_one())
    await session.execute(
        insert(orm.releases).values(
            release_id=release_id,
            ocid=commission.ocid,
            buyer_id=commission.buyer_id,
            date=now,
            document=document,
        )
    )
