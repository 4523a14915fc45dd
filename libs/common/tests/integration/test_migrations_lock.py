"""Replicas that migrate at the same time take turns on PostgreSQL: one history, no errors."""

from __future__ import annotations

import asyncio
import sys

import asyncpg

from streetlevel.common.db import asyncpg_dsn

MIGRATE = "import sys; from streetlevel.registry.migrate import upgrade; upgrade(sys.argv[1])"


async def test_four_processes_migrating_one_database_at_once_all_succeed(pg_database: str) -> None:
    # Separate processes, as replicas or Jobs would be (Alembic's context is per process).
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", MIGRATE, pg_database, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = [await proc.communicate() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], [r[1][-500:] for r in results]
    conn = await asyncpg.connect(asyncpg_dsn(pg_database))
    try:
        versions = await conn.fetch("SELECT version_num FROM alembic_version")
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'enterprises'"
        )
    finally:
        await conn.close()
    assert len(versions) == 1
    assert tables == 1
