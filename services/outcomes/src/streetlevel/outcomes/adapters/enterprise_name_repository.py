"""The enterprise names learned from the registry's events; it flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.outcomes.adapters import orm


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
