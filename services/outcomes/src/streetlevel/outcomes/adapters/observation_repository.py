"""The observations repository: current rows, history rows, optimistic versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.errors import Conflict
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.domain.observations import Observation
from streetlevel.outcomes.domain.values import Period


def observation_from_row(row: Any) -> Observation:
    return Observation(
        version=row.version,
        id=row.id,
        plan_id=row.plan_id,
        contract_id=row.contract_id,
        indicator_code=row.indicator_code,
        period=Period(start=row.period_start, end=row.period_end),
        area=row.area,
        value=row.value,
        evidence=row.evidence,
        status=row.status,
        current=row.current,
        supersedes=row.supersedes,
        superseded_by=row.superseded_by,
        reported_by=row.reported_by,
        reported_at=row.reported_at,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        verify_by=row.verify_by,
        escalated_at=row.escalated_at,
    )


class ObservationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._loaded: dict[str, int] = {}

    async def get(self, observation_id: str) -> Observation | None:
        query = select(orm.observations).where(orm.observations.c.id == observation_id)
        row = (await self.session.execute(query)).first()
        return self._track(row)

    async def current_for(
        self, *, plan_id: str, indicator_code: str, period: Period, area: str
    ) -> Observation | None:
        o = orm.observations.c
        query = (
            select(orm.observations)
            .where(o.plan_id == plan_id)
            .where(o.indicator_code == indicator_code)
            .where(o.period_start == period.start)
            .where(o.period_end == period.end)
            .where(o.area == area)
            .where(o.current.is_(True))
        )
        return self._track((await self.session.execute(query)).first())

    async def claim_overdue(self, now: datetime, limit: int = 1) -> list[str]:
        """Current reports past their deadline, not yet escalated (SKIP LOCKED)."""
        o = orm.observations.c
        query = (
            select(o.id)
            .where(o.status == "reported", o.current.is_(True), o.escalated_at.is_(None))
            .where(o.verify_by.is_not(None), o.verify_by <= now)
            .order_by(o.verify_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    def _track(self, row: Any) -> Observation | None:
        if row is None:
            return None
        self._loaded[row.id] = row.version
        return observation_from_row(row)

    async def add(self, observation: Observation) -> None:
        await self.session.execute(insert(orm.observations).values(**_values(observation)))

    async def save(self, observation: Observation) -> None:
        o = orm.observations.c
        result = await self.session.execute(
            update(orm.observations)
            .where(o.id == observation.id)
            .where(o.version == self._loaded.get(observation.id, observation.version))
            .values(**_values(observation))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("The observation changed meanwhile; retry.")
        self._loaded[observation.id] = observation.version

    async def note(
        self, observation_id: str, *, action: str, note: str | None, actor: str, at: datetime
    ) -> None:
        """Append to the observation's history (who did what, when)."""
        await self.session.execute(
            insert(orm.observation_history).values(
                observation_id=observation_id, action=action, note=note, actor=actor, at=at
            )
        )


def _values(observation: Observation) -> dict[str, Any]:
    assert observation.period is not None
    return {
        "id": observation.id,
        "plan_id": observation.plan_id,
        "contract_id": observation.contract_id,
        "indicator_code": observation.indicator_code,
        "period_start": observation.period.start,
        "period_end": observation.period.end,
        "area": observation.area,
        "value": observation.value,
        "evidence": observation.evidence,
        "status": observation.status,
        "current": observation.current,
        "supersedes": observation.supersedes,
        "superseded_by": observation.superseded_by,
        "reported_by": observation.reported_by,
        "reported_at": observation.reported_at,
        "decided_at": observation.decided_at,
        "decision_note": observation.decision_note,
        "verify_by": observation.verify_by,
        "escalated_at": observation.escalated_at,
        "version": observation.version,
    }
