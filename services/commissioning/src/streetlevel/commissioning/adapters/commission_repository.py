"""The commission repository: load and save commissions; it flushes, never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import utc
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.values import CommissionSpec


class CommissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, commission_id: str, *, lock: bool = False) -> Commission | None:
        query = select(orm.commissions).where(orm.commissions.c.id == commission_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    @staticmethod
    def of(row: Any) -> Commission:
        return Commission(
            id=row["id"],
            ocid=row["ocid"],
            buyer_id=row["buyer_id"],
            buyer_name=row["buyer_name"],
            buyer_area=row["buyer_area"],
            spec=CommissionSpec.model_validate(row["spec"]),
            status=row["status"],
            lot_states=dict(row["lot_states"]),
            amendments=list(row["amendments"]),
            cancel_reason=row["cancel_reason"],
            created_at=utc(row["created_at"]),
            updated_at=utc(row["updated_at"]),
            published_at=utc(row["published_at"]),
            version=row["version"],
        )

    async def add(self, c: Commission) -> None:
        await self.session.execute(insert(orm.commissions).values(id=c.id, **self._values(c)))

    async def save(self, c: Commission) -> None:
        await self.session.execute(
            update(orm.commissions).where(orm.commissions.c.id == c.id).values(**self._values(c))
        )

    @staticmethod
    def _values(c: Commission) -> dict[str, Any]:
        spec = c.s
        return {
            "ocid": c.ocid,
            "buyer_id": c.buyer_id,
            "buyer_name": c.buyer_name,
            "buyer_area": c.buyer_area,
            "status": c.status,
            "spec": spec.model_dump(mode="json"),
            "lot_states": c.lot_states,
            "amendments": c.amendments,
            "tender_end": spec.timeline.tender_end,
            "cancel_reason": c.cancel_reason,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "published_at": c.published_at,
            "version": c.version,
        }

    async def claim_due(self, now: datetime, limit: int = 20) -> list[str]:
        """Open commissions past their deadline, locked for this replica (SKIP LOCKED)."""
        query = (
            select(orm.commissions.c.id)
            .where(orm.commissions.c.status == "open")
            .where(orm.commissions.c.tender_end <= now)
            .order_by(orm.commissions.c.tender_end)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())
