"""Migrations on SQLite: upgrade, downgrade, and the models match the migrated schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

from streetlevel.outcomes.adapters.orm import metadata
from streetlevel.outcomes.migrate import downgrade, upgrade
from streetlevel.testing.schema import schema_diff, table_names


async def test_migrations_upgrade_match_the_models_and_downgrade_on_sqlite(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outcomes.db'}"
    await asyncio.to_thread(upgrade, url)
    assert await schema_diff(url, metadata) == []
    assert {"indicators", "plans", "observations", "outbox", "inbox"} <= await table_names(url)
    await asyncio.to_thread(downgrade, url, "base")
    assert await table_names(url) <= {"alembic_version"}
