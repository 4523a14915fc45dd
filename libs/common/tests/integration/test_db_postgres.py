"""Pooled PostgreSQL connections: one cheap ping per checkout; a restart's victims replaced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.db import asyncpg_dsn, create_engine, unpinged_connection


@pytest.fixture
async def engine(pg_database: str) -> AsyncIterator[AsyncEngine]:
    made = create_engine(pg_database, pool_size=1)
    yield made
    await made.dispose()


async def _terminate_other_backends(engine: AsyncEngine) -> int:
    """What an immediate restart does to the pool's connections: every one is closed."""
    dsn = asyncpg_dsn(engine.url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


async def _select_one(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT 1"))).scalar_one())


async def test_a_checkout_pings_with_one_simple_query_outside_a_transaction(
    engine: AsyncEngine,
) -> None:
    sent: list[str] = []
    raw = await engine.raw_connection()  # fresh: not pinged
    driver: Any = raw.driver_connection
    driver.add_query_logger(lambda logged: sent.append(logged.query))
    raw.close()

    raw = await engine.raw_connection()
    assert raw.driver_connection is driver  # the pool's one connection, checked out again
    raw.close()
    await asyncio.sleep(0.05)  # asyncpg calls query loggers soon after, not during, a query
    assert sent == ["SELECT 1"]  # no BEGIN/ROLLBACK around it: one round trip

    raw = await unpinged_connection(engine)
    raw.close()
    await asyncio.sleep(0.05)
    assert sent == ["SELECT 1"]


async def test_connections_a_restart_closed_are_replaced_on_checkout(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as one, engine.connect() as two:  # two pooled connections
        await one.execute(text("SELECT 1"))
        await two.execute(text("SELECT 1"))
    assert await _terminate_other_backends(engine) == 2

    assert await _select_one(engine) == 1
    assert await _select_one(engine) == 1


async def test_an_unpinged_checkout_hands_over_a_closed_connection_for_its_caller_to_drop(
    engine: AsyncEngine,
) -> None:
    assert await _select_one(engine) == 1
    assert await _terminate_other_backends(engine) == 1

    raw = await unpinged_connection(engine)
    try:
        with pytest.raises((asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError)):
            await raw.driver_connection.fetchval("SELECT 1")  # type: ignore[union-attr]
    finally:
        raw.invalidate()
        raw.close()
    assert await _select_one(engine) == 1
