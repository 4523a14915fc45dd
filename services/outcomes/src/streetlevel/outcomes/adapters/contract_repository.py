"""The contract repository: contracts as commissioning's events told them; flush, never commit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.contracts import ContractCreated
from streetlevel.outcomes.domain.plans import ContractTerms
from streetlevel.outcomes.domain.values import (
    Money,
    Period,
)


def contract_from_row(row: Any) -> ContractTerms:
    lot = row.lot
    return ContractTerms(
        id=row.id,
        buyer_id=row.buyer_id,
        supplier_id=row.supplier_id,
        areas=list(lot.get("areas", [])),
        period=Period(start=row.period_start, end=row.period_end),
        value=Money(amount=row.value_amount, currency=row.value_currency),
        status=row.status,
        outcome_targets={
            o["indicator_code"]: Decimal(str(o["target"])) for o in lot.get("outcomes", [])
        },
        rate_card_codes=[line["indicator_code"] for line in row.rate_card],
        verification_days=row.verification_days,
    )


class ContractRepository:
    """The contracts read model, fed by commissioning's events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def row(self, contract_id: str) -> Any:
        query = select(orm.contracts).where(orm.contracts.c.id == contract_id)
        return (await self.session.execute(query)).first()

    async def get(self, contract_id: str) -> ContractTerms | None:
        row = await self.row(contract_id)
        return contract_from_row(row) if row is not None else None

    async def add(self, event: ContractCreated, *, supplier_name: str, now: datetime) -> None:
        await self.session.execute(
            insert(orm.contracts).values(
                id=event.contract_id,
                commission_id=event.commission_id,
                ocid=event.ocid,
                buyer_id=event.buyer.id,
                buyer_name=event.buyer.name,
                supplier_id=event.supplier.enterprise_id,
                supplier_name=supplier_name,
                lot=event.lot.model_dump(mode="json"),
                rate_card=[line.model_dump(mode="json") for line in event.rate_card],
                period_start=event.period.start,
                period_end=event.period.end,
                value_amount=event.value.amount,
                value_currency=event.value.currency,
                payment_model=event.payment_model,
                verification_days=event.verification_days,
                status="pending",
                updated_at=now,
            )
        )

    async def set_status(self, contract_id: str, status: str, now: datetime) -> None:
        await self.session.execute(
            update(orm.contracts)
            .where(orm.contracts.c.id == contract_id)
            .values(status=status, updated_at=now)
        )

    async def rename_supplier(self, enterprise_id: str, name: str, now: datetime) -> None:
        await self.session.execute(
            update(orm.contracts)
            .where(orm.contracts.c.supplier_id == enterprise_id)
            .values(supplier_name=name, updated_at=now)
        )
