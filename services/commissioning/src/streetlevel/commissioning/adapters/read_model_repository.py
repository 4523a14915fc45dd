"""The read models other services' events feed: enterprises and indicators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.domain.eligibility import Applicant
from streetlevel.common.db import upsert


class ReadModelRepository:
    """The enterprise and indicator read models fed by other services' events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enterprise(self, enterprise_id: str) -> EnterpriseRecord | None:
        t = orm.enterprises
        row = (
            await self.session.execute(select(t.c.record).where(t.c.id == enterprise_id))
        ).first()
        return None if row is None else EnterpriseRecord.model_validate(row[0])

    async def enterprises(self, ids: list[str]) -> dict[str, EnterpriseRecord]:
        t = orm.enterprises
        rows = await self.session.execute(select(t.c.id, t.c.record).where(t.c.id.in_(ids)))
        return {r.id: EnterpriseRecord.model_validate(r.record) for r in rows}

    async def indicator_codes(self, codes: set[str]) -> set[str]:
        if not codes:
            return set()
        t = orm.indicators
        rows = await self.session.execute(select(t.c.code).where(t.c.code.in_(codes)))
        return set(rows.scalars())

    async def sensitive_codes(self, codes: set[str]) -> set[str]:
        """The ``codes`` under disclosure control: sensitive or unknown (fail closed)."""
        t = orm.indicators
        rows = await self.session.execute(select(t.c.code, t.c.record).where(t.c.code.in_(codes)))
        safe = {r.code for r in rows if not (r.record or {}).get("sensitive", False)}
        return codes - safe

    async def put_enterprises(self, rows: Sequence[dict[str, Any]]) -> None:
        await _upsert_many(self.session, orm.enterprises, "id", rows)

    async def put_indicators(self, rows: Sequence[dict[str, Any]]) -> None:
        await _upsert_many(self.session, orm.indicators, "code", rows)

    async def count_indicators(self) -> int:
        t = orm.indicators
        return int((await self.session.execute(select(func.count()).select_from(t))).scalar_one())


async def _upsert_many(
    session: AsyncSession, table: Table, key: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or replace ``rows`` by ``key`` in one statement (the last row of a key wins)."""
    unique = list({row[key]: row for row in rows}.values())
    if not unique:
        return
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else "sqlite"
    columns = tuple(name for name in unique[0] if name != key)
    await session.execute(upsert(table, dialect, (key,), columns), unique)


def applicant(record: EnterpriseRecord | None) -> Applicant | None:
    """The eligibility facts of a registry record."""
    if record is None:
        return None
    return Applicant(
        id=record.id,
        name=record.name,
        status=record.status,
        legal_form=record.legal_form,
        size=record.size,
        areas_served=tuple(record.areas_served),
        mission=record.mission,
        independent=record.independent,
        trading_income_pct=record.trading_income_pct,
        profit_reinvested_pct=record.profit_reinvested_pct,
        asset_lock=record.asset_lock,
        publishes_social_report=record.publishes_social_report,
    )
