"""Alembic migrations build exactly the schema of the tables, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from streetlevel.commissioning import migrate
from streetlevel.commissioning.adapters.orm import metadata


async def schema_state(url: str) -> tuple[set[str], list[Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn: Any) -> tuple[set[str], list[Any]]:
                tables = set(inspect(sync_conn).get_table_names())
                diff = compare_metadata(MigrationContext.configure(sync_conn), metadata)
                return tables, diff

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def check_round_trip(url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, url)
    tables, diff = await schema_state(url)
    assert set(metadata.tables) <= tables
    assert diff == []
    await asyncio.to_thread(migrate.downgrade, url, "base")
    tables, _ = await schema_state(url)
    assert tables <= {"alembic_version"}
    await asyncio.to_thread(migrate.upgrade, url)
    assert set(metadata.tables) <= (await schema_state(url))[0]


async def test_migrations_match_the_tables_on_postgresql(pg_database: str) -> None:
    await check_round_trip(pg_database)


async def test_migrations_match_the_tables_on_sqlite(tmp_path: Path) -> None:
    await check_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
