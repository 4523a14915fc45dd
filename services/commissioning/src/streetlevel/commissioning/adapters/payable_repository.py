"""The payable repository: amounts owed on contracts and grants; it flushes, never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import utc
from streetlevel.commissioning.domain.payables import Basis, Payable


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class PayableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, payable_id: str, *, lock: bool = False) -> Payable | None:
        query = select(orm.payables).where(orm.payables.c.id == payable_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    async def by_source(self, contract_id: str, source: str) -> Payable | None:
        t = orm.payables.c
        query = select(orm.payables).where(t.contract_id == contract_id, t.source == source)
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    async def for_contract(self, contract_id: str) -> list[Payable]:
        t = orm.payables.c
        query = (
            select(orm.payables)
            .where(t.contract_id == contract_id)
            .order_by(t.received_on, t.created_at, t.id)
        )
        return [self.of(r) for r in (await self.session.execute(query)).mappings()]

    async def for_grants(self, grant_ids: list[str]) -> list[Payable]:
        """The payables of these grants, in instalment order."""
        if not grant_ids:
            return []
        t = orm.payables.c
        query = (
            select(orm.payables)
            .where(t.grant_id.in_(grant_ids))
            .order_by(t.grant_id, t.received_on, t.source)
        )
        return [self.of(r) for r in (await self.session.execute(query)).mappings()]

    async def grant_instalment(
        self, grant_id: str, no: int, *, lock: bool = False
    ) -> Payable | None:
        """The payable of a grant's instalment ``no``."""
        t = orm.payables.c
        query = select(orm.payables).where(t.grant_id == grant_id, t.source == f"instalment:{no}")
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    async def for_buyer(self, buyer_id: str, since: date, until: date) -> list[Payable]:
        """A buyer's payables received, due or paid in [since, until] (for its statistics)."""
        t = orm.payables.c
        lo, hi = since.isoformat(), until.isoformat()
        query = select(orm.payables).where(
            t.buyer_id == buyer_id,
            ((t.received_on >= lo) & (t.received_on <= hi))
            | ((t.due_on >= lo) & (t.due_on <= hi))
            | ((t.paid_on >= lo) & (t.paid_on <= hi)),
        )
        return [self.of(r) for r in (await self.session.execute(query)).mappings()]

    async def claim_overdue(self, today: date, limit: int = 50) -> list[str]:
        """Due payables whose due date has passed, locked (SKIP LOCKED) for the scheduler."""
        t = orm.payables.c
        query = (
            select(t.id)
            .where(t.status == "due", t.due_on < today.isoformat(), t.basis != Basis.CREDIT.value)
            .order_by(t.due_on)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def record_escalation(
        self, observation_id: str, contract_id: str, buyer_id: str, on: date
    ) -> bool:
        """Count an escalated report once (a duplicated event changes nothing)."""
        t = orm.escalations
        found = await self.session.execute(
            select(t.c.observation_id).where(t.c.observation_id == observation_id)
        )
        if found.first() is not None:
            return False
        await self.session.execute(
            insert(t).values(
                observation_id=observation_id,
                contract_id=contract_id,
                buyer_id=buyer_id,
                escalated_on=on.isoformat(),
            )
        )
        return True

    async def escalations(self, buyer_id: str, since: date, until: date) -> int:
        t = orm.escalations.c
        query = select(func.count()).where(
            t.buyer_id == buyer_id,
            t.escalated_on >= since.isoformat(),
            t.escalated_on <= until.isoformat(),
        )
        return int((await self.session.execute(query)).scalar_one())

    @staticmethod
    def of(row: Any) -> Payable:
        doc = row["document"]
        return Payable(
            id=row["id"],
            contract_id=row["contract_id"],
            grant_id=row["grant_id"],
            buyer_id=row["buyer_id"],
            supplier_id=row["supplier_id"],
            basis=Basis(row["basis"]),
            source=row["source"],
            description=doc["description"],
            amount=row["amount"],
            received_on=date.fromisoformat(row["received_on"]),
            due_on=date.fromisoformat(row["due_on"]),
            status=row["status"],
            credits=doc.get("credits"),
            dispute_reason=doc.get("dispute_reason"),
            disputed_on=_date(doc.get("disputed_on")),
            resolution=doc.get("resolution"),
            paid_on=_date(row["paid_on"]),
            reference=doc.get("reference"),
            was_late=bool(row["was_late"]),
            created_at=utc(row["created_at"]),
            updated_at=utc(row["updated_at"]),
            version=row["version"],
        )

    async def add(self, p: Payable) -> None:
        await self.session.execute(insert(orm.payables).values(id=p.id, **self._values(p)))

    async def save(self, p: Payable) -> None:
        await self.session.execute(
            update(orm.payables).where(orm.payables.c.id == p.id).values(**self._values(p))
        )

    @staticmethod
    def _values(p: Payable) -> dict[str, Any]:
        return {
            "contract_id": p.contract_id,
            "grant_id": p.grant_id,
            "buyer_id": p.buyer_id,
            "supplier_id": p.supplier_id,
            "basis": p.basis.value,
            "source": p.source,
            "amount": p.amount,
            "received_on": p.received_on.isoformat(),
            "due_on": p.due_on.isoformat(),
            "status": p.status,
            "paid_on": None if p.paid_on is None else p.paid_on.isoformat(),
            "was_late": int(p.was_late),
            "document": {
                "description": p.description,
                "credits": p.credits,
                "dispute_reason": p.dispute_reason,
                "disputed_on": None if p.disputed_on is None else p.disputed_on.isoformat(),
                "resolution": p.resolution,
                "reference": p.reference,
            },
            "version": p.version,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        }
