"""The Alembic history on PostgreSQL: upgrade from empty, downgrade to base, models match."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
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


_ROW = (
    "INSERT INTO enterprises (id, name, legal_form, status, themes, areas_served, "
    "accreditations, services, services_text, address, created_at, updated_at, version) "
    "VALUES (:id, 'Old row', 'cic_limited_by_guarantee', 'verified', CAST(:themes AS json), "
    "'[]', '[]', CAST(:services AS json), '', CAST(:address AS json), now(), now(), 1)"
)


async def test_0003_normalises_stored_public_json_and_then_refuses_what_the_export_cannot_copy(
    pg_database,
) -> None:
    await asyncio.to_thread(upgrade, pg_database, "0002")
    engine = create_async_engine(pg_database)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(_ROW),
                {
                    "id": uuid.UUID(int=1),
                    "themes": '[\n  "food"\r\n]',
                    "services": '[{"name": "Bare"}, {"name": "Extra", "areas": ["E05015200"], '
                    '"description": "d", "themes": null, "internal": 1}]',
                    "address": '{"lines": ["1 Road"],\n "town": "Blackpool"}',
                },
            )
        await asyncio.to_thread(upgrade, pg_database)
        async with engine.connect() as conn:
            stored = (
                await conn.execute(
                    text("SELECT themes::text, services::text, address::text FROM enterprises")
                )
            ).one()
        assert not any("\n" in value or "\r" in value for value in stored)
        assert json.loads(stored[0]) == ["food"]
        assert json.loads(stored[1]) == [
            {"name": "Bare", "description": None, "themes": [], "areas": []},
            {"name": "Extra", "description": "d", "themes": None, "areas": ["E05015200"]},
        ]
        assert json.loads(stored[2])["town"] == "Blackpool"
        refused = [
            {"themes": "[]", "services": '[{"name": "No description"}]', "address": "null"},
            {"themes": "[]", "services": '{"name": "not a list"}', "address": "null"},
            {"themes": '["food",\n"youth"]', "services": "[]", "address": "null"},
            {"themes": "[]", "services": "[]", "address": '{"town":\r"Blackpool"}'},
        ]
        for n, values in enumerate(refused, start=2):
            with pytest.raises(IntegrityError, match="ck_enterprises_"):
                async with engine.begin() as conn:
                    await conn.execute(text(_ROW), {"id": uuid.UUID(int=n), **values})
    finally:
        await engine.dispose()
