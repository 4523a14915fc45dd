"""The Alembic history on PostgreSQL: upgrade from empty, downgrade to base, models match."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from streetlevel.registry.adapters.orm import include_in_migrations, metadata
from streetlevel.registry.migrate import downgrade, upgrade


async def inspect_db(url: str) -> tuple[list[Any], set[str], set[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync,
                        opts={"include_object": include_in_migrations, "compare_type": True},
                    ),
                    metadata,
                )
            )
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
            indexes = set(
                (
                    await conn.execute(
                        text("SELECT indexname FROM pg_indexes WHERE tablename = 'enterprises'")
                    )
                )
                .scalars()
                .all()
            )
            return diffs, tables, indexes
    finally:
        await engine.dispose()


async def test_postgres_migrations_upgrade_match_the_models_and_downgrade(pg_database) -> None:
    await asyncio.to_thread(upgrade, pg_database)
    diffs, tables, indexes = await inspect_db(pg_database)
    assert diffs == []
    assert set(metadata.tables) <= tables
    assert {"ix_enterprises_search_vector", "ix_enterprises_name_trgm"} <= indexes
    await asyncio.to_thread(downgrade, pg_database, "base")
    _, tables, _ = await inspect_db(pg_database)
    assert tables <= {"alembic_version"}
    await asyncio.to_thread(upgrade, pg_database)
    diffs, _, _ = await inspect_db(pg_database)
    assert diffs == []
