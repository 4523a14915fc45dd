"""The plan repository: measurement plans and their indicators; it flushes, never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.errors import Conflict
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.domain.plans import MeasurementPlan
from streetlevel.outcomes.domain.values import (
    Assumptions,
    PlanIndicator,
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
