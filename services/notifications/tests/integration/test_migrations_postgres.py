"""Migrations on PostgreSQL: upgrade, downgrade, and the models match the migrated schema."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from streetlevel_notifications_unit_tier.test_migrations import schema_diff, table_names

from streetlevel.notifications.migrate import downgrade, upgrade


async def test_migrations_upgrade_match_the_models_and_downgrade_on_postgres(
    pg_database_factory: Callable[..., Awaitable[str]],
) -> None:
    url = await pg_database_factory()
    await asyncio.to_thread(upgrade, url)
    assert await schema_diff(url) == []
    await asyncio.to_thread(downgrade, url, "base")
    assert await table_names(url) <= {"alembic_version"}
