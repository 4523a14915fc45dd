"""The contract repository: contracts and their payment ledger; it flushes, never commits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import utc
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.events import ConsortiumTerms
from streetlevel.commissioning.domain.public_ledger import PublicPayments
from streetlevel.commissioning.domain.values import (
    Instalment,
    OutcomeTarget,
    PaymentLine,
    RateCardItem,
)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class ContractRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, contract_id: str, *, lock: bool = False) -> Contract | None:
        query = select(orm.contracts).where(orm.contracts.c.id == contract_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return None if row is None else self.of(row)

    @staticmethod
    def of(row: Any) -> Contract:
        doc = row["document"]
        return Contract(
            id=row["id"],
            commission_id=row["commission_id"],
            ocid=row["ocid"],
            lot_id=row["lot_id"],
            lot_title=doc["lot_title"],
            lot_areas=list(doc["lot_areas"]),
            lot_outcomes=[OutcomeTarget.model_validate(o) for o in doc["lot_outcomes"]],
            bid_id=row["bid_id"],
            buyer_id=row["buyer_id"],
            buyer_name=doc["buyer_name"],
            supplier_id=row["supplier_id"],
            supplier_name=doc["supplier_name"],
            consortium=(
                ConsortiumTerms.model_validate(doc["consortium"]) if doc.get("consortium") else None
            ),
            value=row["value"],
            paid_total=row["paid_total"],
            rate_card=[RateCardItem.model_validate(i) for i in doc["rate_card"]],
            payment_model=doc["payment_model"],
            # Contracts from before payables: a fixed contract's default schedule and terms.
            outcomes_share_pct=_decimal(doc.get("outcomes_share_pct")),
            instalments=[Instalment.model_validate(i) for i in doc.get("instalments") or []],
            payment_terms_days=int(doc.get("payment_terms_days", 30)),
            reversal_window_days=int(doc.get("reversal_window_days", 90)),
            verification_days=int(doc.get("verification_days", 10)),
            period_start=utc(datetime.fromisoformat(doc["period_start"])),
            period_end=utc(datetime.fromisoformat(doc["period_end"])),
            standstill_end=utc(datetime.fromisoformat(doc["standstill_end"])),
            status=row["status"],
            activate_at=utc(row["activate_at"]),
            reason=doc.get("reason"),
            # Rows from before disclosure control have no snapshot: they show nothing paid.
            public_payments=PublicPayments.model_validate(doc.get("public_payments") or {}),
            created_at=utc(row["created_at"]),
            updated_at=utc(row["updated_at"]),
            version=row["version"],
        )

    async def claim_due(self, now: datetime, limit: int = 20) -> list[str]:
        """Pending contracts whose requested activation is due, locked (SKIP LOCKED)."""
        c = orm.contracts.c
        query = (
            select(c.id)
            .where(c.status == "pending", c.activate_at.is_not(None), c.activate_at <= now)
            .order_by(c.activate_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def for_commission(self, commission_id: str) -> list[Contract]:
        query = select(orm.contracts).where(orm.contracts.c.commission_id == commission_id)
        rows = (await self.session.execute(query.order_by(orm.contracts.c.created_at))).mappings()
        return [self.of(r) for r in rows]

    async def add(self, c: Contract) -> None:
        await self.session.execute(insert(orm.contracts).values(id=c.id, **self._values(c)))

    async def save(self, c: Contract) -> None:
        await self.session.execute(
            update(orm.contracts).where(orm.contracts.c.id == c.id).values(**self._values(c))
        )

    @staticmethod
    def _values(c: Contract) -> dict[str, Any]:
        assert c.period_start
        assert c.period_end
        assert c.standstill_end
        return {
            "commission_id": c.commission_id,
            "ocid": c.ocid,
            "lot_id": c.lot_id,
            "bid_id": c.bid_id,
            "buyer_id": c.buyer_id,
            "supplier_id": c.supplier_id,
            "status": c.status,
            "activate_at": c.activate_at,
            "value": c.value,
            "paid_total": c.paid_total,
            "document": {
                "lot_title": c.lot_title,
                "lot_areas": c.lot_areas,
                "lot_outcomes": [o.model_dump(mode="json") for o in c.lot_outcomes],
                "buyer_name": c.buyer_name,
                "supplier_name": c.supplier_name,
                "consortium": c.consortium.model_dump(mode="json") if c.consortium else None,
                "rate_card": [i.model_dump(mode="json") for i in c.rate_card],
                "payment_model": c.payment_model,
                "outcomes_share_pct": _text(c.outcomes_share_pct),
                "instalments": [i.model_dump(mode="json") for i in c.instalments],
                "payment_terms_days": c.payment_terms_days,
                "reversal_window_days": c.reversal_window_days,
                "verification_days": c.verification_days,
                "period_start": c.period_start.isoformat(),
                "period_end": c.period_end.isoformat(),
                "standstill_end": c.standstill_end.isoformat(),
                "reason": c.reason,
                "public_payments": c.public_payments.model_dump(mode="json"),
            },
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "version": c.version,
        }

    async def lines(self, contract_id: str) -> list[PaymentLine]:
        t = orm.payment_lines
        rows = (
            await self.session.execute(
                select(t).where(t.c.contract_id == contract_id).order_by(t.c.line_no)
            )
        ).mappings()
        return [
            PaymentLine(
                line_no=r["line_no"],
                kind=r["kind"],
                observation_id=r["observation_id"],
                indicator_code=r["indicator_code"],
                period_start=r["period_start"],
                period_end=r["period_end"],
                area=r["area"],
                units=Decimal(r["units"]),
                unit_price=r["unit_price"],
                amount=r["amount"],
                running_total=r["running_total"],
                note=r["note"],
                reversed=bool(r["reversed"]),
            )
            for r in rows
        ]

    async def add_line(self, contract_id: str, line: PaymentLine, now: datetime) -> None:
        await self.session.execute(
            insert(orm.payment_lines).values(
                contract_id=contract_id,
                line_no=line.line_no,
                kind=line.kind,
                observation_id=line.observation_id,
                indicator_code=line.indicator_code,
                period_start=line.period_start,
                period_end=line.period_end,
                area=line.area,
                units=str(line.units),
                unit_price=line.unit_price,
                amount=line.amount,
                running_total=line.running_total,
                note=line.note,
                reversed=0,
                created_at=now,
            )
        )

    async def mark_reversed(self, contract_id: str, observation_id: str) -> None:
        t = orm.payment_lines
        await self.session.execute(
            update(t)
            .where(t.c.contract_id == contract_id)
            .where(t.c.observation_id == observation_id)
            .where(t.c.kind == "payment")
            .values(reversed=1)
        )
