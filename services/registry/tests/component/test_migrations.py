"""The Alembic history on SQLite: upgrade from empty, downgrade to base, models match."""

from __future__ import annotations

import asyncio
from pathlib import Path

from streetlevel.registry.adapters.orm import include_in_migrations, metadata
from streetlevel.registry.migrate import downgrade, upgrade
from streetlevel.testing.schema import schema_diff, table_names


async def test_migrations_upgrade_from_empty_match_the_models_and_downgrade_to_base(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/migrate.db"
    await asyncio.to_thread(upgrade, url)
    tables = await table_names(url)
    assert set(metadata.tables) <= tables
    assert "enterprises_fts" in tables
    assert await schema_diff(url, metadata, include_object=include_in_migrations) == []
    await asyncio.to_thread(downgrade, url, "base")
    assert await table_names(url) <= {"alembic_version"}
    await asyncio.to_thread(upgrade, url)
    assert await schema_diff(url, metadata, include_object=include_in_migrations) == []
