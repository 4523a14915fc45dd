"""The Alembic history on SQLite: upgrade from empty, downgrade to base, models match."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from streetlevel.registry.adapters.orm import include_in_migrations, metadata
from streetlevel.registry.migrate import downgrade, upgrade


async def schema_differences(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync,
                        opts={"include_object": include_in_migrations, "compare_type": True},
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrations_upgrade_from_empty_match_the_models_and_downgrade_to_base(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/migrate.db"
    await asyncio.to_thread(upgrade, url)
    tables = await table_names(url)
    assert set(metadata.tables) <= tables
    assert "enterprises_fts" in tables
    assert await schema_differences(url) == []
    await asyncio.to_thread(downgrade, url, "base")
    assert await table_names(url) <= {"alembic_version"}
    await asyncio.to_thread(upgrade, url)
    assert await schema_differences(url) == []
