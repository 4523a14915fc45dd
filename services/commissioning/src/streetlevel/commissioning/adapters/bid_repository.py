"""The bid repository: load and save bids; it flushes, never commits."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import utc
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.consortium import Consortium


class BidRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def of(row: Any) -> Bid:
        def dec(v: str | None) -> Decimal | None:
            return None if v is None else Decimal(v)

        return Bid(
            id=row["id"],
            commission_id=row["commission_id"],
            lot_id=row["lot_id"],
            enterprise_id=row["enterprise_id"],
            price=row["price"],
            proposal=row["proposal"],
            commitments=list(row["commitments"]),
            submitted_at=utc(row["submitted_at"]) or datetime.now(UTC),
            updated_at=utc(row["updated_at"]) or datetime.now(UTC),
            status=row["status"],
            quality_score=dec(row["quality_score"]),
            social_value_score=dec(row["social_value_score"]),
            score_note=row["score_note"],
            disqualified_reason=row["disqualified_reason"],
            consortium=Consortium.from_dict(row["consortium"]) if row["consortium"] else None,
            version=row["version"],
        )

    async def get(self, bid_id: str) -> Bid | None:
        row = (
            (await self.session.execute(select(orm.bids).where(orm.bids.c.id == bid_id)))
            .mappings()
            .first()
        )
        return None if row is None else self.of(row)

    async def for_commission(self, commission_id: str, lot_id: str | None = None) -> list[Bid]:
        query = select(orm.bids).where(orm.bids.c.commission_id == commission_id)
        if lot_id is not None:
            query = query.where(orm.bids.c.lot_id == lot_id)
        rows = (await self.session.execute(query.order_by(orm.bids.c.submitted_at))).mappings()
        return [self.of(r) for r in rows]

    async def binding(self, commission_id: str, lot_id: str, enterprise_id: str) -> list[Bid]:
        """The lot's live bids that ``enterprise_id`` leads or has confirmed membership of."""
        return [
            b for b in await self.for_commission(commission_id, lot_id) if b.binds(enterprise_id)
        ]

    async def add(self, bid: Bid) -> None:
        await self.session.execute(insert(orm.bids).values(id=bid.id, **self._values(bid)))

    async def save(self, bid: Bid) -> None:
        await self.session.execute(
            update(orm.bids).where(orm.bids.c.id == bid.id).values(**self._values(bid))
        )

    @staticmethod
    def _values(b: Bid) -> dict[str, Any]:
        return {
            "commission_id": b.commission_id,
            "lot_id": b.lot_id,
            "enterprise_id": b.enterprise_id,
            "status": b.status,
            "price": b.price,
            "proposal": b.proposal,
            "commitments": b.commitments,
            "quality_score": None if b.quality_score is None else str(b.quality_score),
            "social_value_score": (
                None if b.social_value_score is None else str(b.social_value_score)
            ),
            "score_note": b.score_note,
            "disqualified_reason": b.disqualified_reason,
            "consortium": b.consortium.to_dict() if b.consortium else None,
            "submitted_at": b.submitted_at,
            "updated_at": b.updated_at,
            "version": b.version,
        }
