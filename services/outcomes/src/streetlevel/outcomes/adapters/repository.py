"""Repositories over SQLAlchemy Core: load and save aggregates; flush, never commit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.errors import Conflict
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.contracts import ContractCreated
from streetlevel.outcomes.domain.indicators import Indicator
from streetlevel.outcomes.domain.plans import ContractTerms, MeasurementPlan
from streetlevel.outcomes.domain.values import (
    Assumptions,
    IndicatorData,
    Money,
    Period,
    PlanIndicator,
    ProxyValue,
)


def indicator_from_row(row: Any) -> Indicator:
    proxy = None
    if row.proxy_amount is not None:
        proxy = ProxyValue(
            amount=row.proxy_amount,
            currency=row.proxy_currency,
            source=row.proxy_source,
            year=row.proxy_year,
        )
    data = IndicatorData(
        code=row.code,
        name=row.name,
        description=row.description,
        kind=row.kind,
        unit=row.unit,
        direction=row.direction,
        themes=list(row.themes),
        proxy_value=proxy,
        sensitive=row.sensitive,
    )
    return Indicator(
        version=row.version,
        data=data,
        owner=row.owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Indicator | None:
        row = (
            await self.session.execute(select(orm.indicators).where(orm.indicators.c.code == code))
        ).first()
        return indicator_from_row(row) if row is not None else None

    async def catalogue(self) -> dict[str, IndicatorData]:
        rows = (await self.session.execute(select(orm.indicators))).all()
        return {row.code: indicator_from_row(row).spec for row in rows}

    async def count(self) -> int:
        query = select(func.count()).select_from(orm.indicators)
        return int((await self.session.execute(query)).scalar_one())

    async def add(self, indicator: Indicator) -> None:
        await self.session.execute(insert(orm.indicators).values(**_indicator_values(indicator)))

    async def save(self, indicator: Indicator, *, loaded_version: int) -> None:
        result = await self.session.execute(
            update(orm.indicators)
            .where(orm.indicators.c.code == indicator.code)
            .where(orm.indicators.c.version == loaded_version)
            .values(**_indicator_values(indicator))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("The indicator changed meanwhile; retry.")


def _indicator_values(indicator: Indicator) -> dict[str, Any]:
    data = indicator.spec
    proxy = data.proxy_value
    return {
        "code": data.code,
        "name": data.name,
        "description": data.description,
        "kind": data.kind,
        "unit": data.unit,
        "direction": data.direction,
        "themes": data.themes,
        "proxy_amount": proxy.amount if proxy else None,
        "proxy_currency": proxy.currency if proxy else None,
        "proxy_source": proxy.source if proxy else None,
        "proxy_year": proxy.year if proxy else None,
        "sensitive": data.sensitive,
        "owner": indicator.owner,
        "version": indicator.version,
        "created_at": indicator.created_at,
        "updated_at": indicator.updated_at,
    }


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


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._loaded: dict[str, int] = {}

    async def get(self, plan_id: str) -> MeasurementPlan | None:
        row = (
            await self.session.execute(select(orm.plans).where(orm.plans.c.id == plan_id))
        ).first()
        return await self._hydrate(row) if row is not None else None

    async def for_contract(self, contract_id: str) -> MeasurementPlan | None:
        query = select(orm.plans).where(orm.plans.c.contract_id == contract_id)
        row = (await self.session.execute(query)).first()
        return await self._hydrate(row) if row is not None else None

    async def _hydrate(self, row: Any) -> MeasurementPlan:
        query = (
            select(orm.plan_indicators)
            .where(orm.plan_indicators.c.plan_id == row.id)
            .order_by(orm.plan_indicators.c.position)
        )
        items = (await self.session.execute(query)).all()
        indicators = [
            PlanIndicator.model_validate(
                {
                    "code": item.indicator_code,
                    "baseline": (
                        {"value": item.baseline_value, "date": item.baseline_date}
                        if item.baseline_value is not None
                        else None
                    ),
                    "targets": item.targets,
                }
            )
            for item in items
        ]
        self._loaded[row.id] = row.version
        return MeasurementPlan(
            version=row.version,
            id=row.id,
            contract_id=row.contract_id,
            indicators=indicators,
            assumptions=Assumptions.model_validate(row.assumptions),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def add(self, plan: MeasurementPlan) -> None:
        await self.session.execute(
            insert(orm.plans).values(
                id=plan.id,
                contract_id=plan.contract_id,
                assumptions=plan.assumptions.model_dump(mode="json"),
                version=plan.version,
                created_at=plan.created_at,
                updated_at=plan.updated_at,
            )
        )
        await self._write_indicators(plan)

    async def save(self, plan: MeasurementPlan) -> None:
        result = await self.session.execute(
            update(orm.plans)
            .where(orm.plans.c.id == plan.id)
            .where(orm.plans.c.version == self._loaded.get(plan.id, plan.version))
            .values(
                assumptions=plan.assumptions.model_dump(mode="json"),
                version=plan.version,
                updated_at=plan.updated_at,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("The plan changed meanwhile; retry.")
        await self.session.execute(
            orm.plan_indicators.delete().where(orm.plan_indicators.c.plan_id == plan.id)
        )
        await self._write_indicators(plan)

    async def _write_indicators(self, plan: MeasurementPlan) -> None:
        if not plan.indicators:
            return
        await self.session.execute(
            insert(orm.plan_indicators),
            [
                {
                    "plan_id": plan.id,
                    "indicator_code": item.code,
                    "position": position,
                    "baseline_value": item.baseline.value if item.baseline else None,
                    "baseline_date": item.baseline.date if item.baseline else None,
                    "targets": [t.model_dump(mode="json") for t in item.targets],
                }
                for position, item in enumerate(plan.indicators)
            ],
        )


class EnterpriseNameRepository:
    """The enterprise names learned from the registry's events (suppliers are shown by name)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, enterprise_id: str) -> str | None:
        t = orm.enterprise_names
        query = select(t.c.name).where(t.c.enterprise_id == enterprise_id)
        name: str | None = (await self.session.execute(query)).scalar_one_or_none()
        return name

    async def put(self, enterprise_id: str, name: str, now: datetime) -> None:
        t = orm.enterprise_names
        exists = (
            await self.session.execute(
                select(t.c.enterprise_id).where(t.c.enterprise_id == enterprise_id)
            )
        ).first()
        if exists is None:
            await self.session.execute(
                t.insert().values(enterprise_id=enterprise_id, name=name, updated_at=now)
            )
        else:
            await self.session.execute(
                t.update()
                .where(t.c.enterprise_id == enterprise_id)
                .values(name=name, updated_at=now)
            )
