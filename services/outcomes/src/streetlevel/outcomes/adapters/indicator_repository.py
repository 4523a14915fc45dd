"""The indicator repository: the catalogue's indicators; it flushes, never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.errors import Conflict
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.domain.indicators import Indicator
from streetlevel.outcomes.domain.values import (
    IndicatorData,
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
