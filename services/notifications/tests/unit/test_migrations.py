"""Migrations on SQLite: upgrade, downgrade, and the models match the migrated schema."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from streetlevel.notifications.adapters.orm import metadata
from streetlevel.notifications.migrate import downgrade, upgrade


async def schema_diff(url: str) -> list[Any]:
    """What autogenerate would still change: empty when models and migrations agree."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
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


async def test_migrations_upgrade_match_the_models_and_downgrade_on_sqlite(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    await asyncio.to_thread(upgrade, url)
    assert await schema_diff(url) == []
    assert {
        "subscriptions",
        "events",
        "deliveries",
        "attempts",
        "outbox",
        "inbox",
    } <= await table_names(url)
    await asyncio.to_thread(downgrade, url, "base")
    assert await table_names(url) <= {"alembic_version"}
