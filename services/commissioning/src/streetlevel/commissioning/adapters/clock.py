"""Dates as the database stores and judges them: UTC on read, the database clock on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.clock import Clock, clock_offset
from streetlevel.common.db import database_now


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def db_now(session: AsyncSession, clock: Clock) -> datetime:
    """The database clock on PostgreSQL (shifted like ``clock``); the injected clock on SQLite."""
    return await database_now(session, clock)


async def deadline_passed(session: AsyncSession, deadline: datetime, clock: Clock) -> bool:
    """Compared in SQL against the database clock on PostgreSQL; the injected clock on SQLite."""
    if is_postgres(session):
        result = await session.execute(
            text("SELECT statement_timestamp() + :shift >= :deadline"),
            {"deadline": deadline, "shift": clock_offset(clock)},
        )
        return bool(result.scalar_one())
    return clock.now() >= deadline
