"""The read pool: connections reused, a failed or cancelled statement's connection closed."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from streetlevel.common.db import asyncpg_dsn
from streetlevel.common.readpool import ReadPool

PID = "SELECT pg_backend_pid()"


@pytest.fixture
def dsn(pg_database: str) -> str:
    return asyncpg_dsn(pg_database)


async def _pid(pool: ReadPool) -> int:
    return int((await pool.fetchrow(PID))[0])


async def test_a_connection_is_reused_until_a_statement_fails_on_it(dsn: str) -> None:
    pool = ReadPool(dsn, size=1)
    first = await _pid(pool)
    assert await _pid(pool) == first
    with pytest.raises(asyncpg.DivisionByZeroError):
        await pool.fetchrow("SELECT 1 / 0")
    again = await _pid(pool)  # a fresh connection: the failed one's state is unknown
    assert again != first
    pool.terminate()


async def test_a_cancelled_read_frees_its_place(dsn: str) -> None:
    pool = ReadPool(dsn, size=1)
    first = await _pid(pool)
    slow = asyncio.create_task(pool.fetchrow("SELECT pg_sleep(5)"))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    async with asyncio.timeout(5):  # the one place is free again, on a new connection
        assert await _pid(pool) != first
    pool.terminate()


async def test_a_full_pool_serves_its_waiters_in_turn(dsn: str) -> None:
    pool = ReadPool(dsn, size=2)
    async with asyncio.timeout(10):
        rows = await asyncio.gather(
            *(pool.fetchrow("SELECT pg_backend_pid(), pg_sleep(0.05)") for _ in range(6))
        )
    assert len(rows) == 6
    assert len({row[0] for row in rows}) <= 2
    pool.terminate()


async def test_acquire_keeps_a_connection_only_outside_a_transaction(dsn: str) -> None:
    pool = ReadPool(dsn, size=1)
    async with pool.acquire() as conn:
        first = await conn.fetchval(PID)
    async with pool.acquire() as conn:
        assert await conn.fetchval(PID) == first
        await conn.execute("BEGIN")
    assert await _pid(pool) != first  # left in a transaction: closed, not handed out again
    pool.terminate()


async def test_a_terminated_pool_refuses_reads(dsn: str) -> None:
    pool = ReadPool(dsn, size=1)
    await _pid(pool)
    pool.terminate()
    assert pool.is_closing()
    with pytest.raises(asyncpg.InterfaceError):
        await pool.fetchrow(PID)
