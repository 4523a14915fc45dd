"""Alembic migrations build exactly the schema of the tables, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
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


NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


PAID_ROW = ("g", None, "grant", "instalment:1", 10000, "2026-11-23", "2026-12-23", "paid")
DUE_ROW = ("g", None, "grant", "instalment:2", 20000, "2027-01-10", "2027-02-09", "due")


async def check_grant_payables(url: str) -> None:
    """0008 raises the grants' existing instalments as payables and keeps one owner each."""
    await asyncio.to_thread(migrate.upgrade, url, "0007")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO grant_programmes (id, council_id, council_name, title,"
                    " description, areas, criteria, budget, max_grant, committed, status,"
                    " opened_at, updated_at, version) VALUES ('p', 'GB-LAE-BPL', 'B', 't', 'd',"
                    " '[]', '[]', 100000, 50000, 30000, 'open', :now, :now, 1)"
                ),
                {"now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO grants (id, programme_id, decision_id, application_id,"
                    " council_id, council_name, recipient_id, recipient_name, title, purpose,"
                    " areas, amount, people_planned, awarded_on, created_at, updated_at, version)"
                    " VALUES ('g', 'p', 'd', 'a', 'GB-LAE-BPL', 'B', 'e', 'E', 't', 'p', '[]',"
                    " 30000, 5, '2026-11-23', :now, :now, 1)"
                ),
                {"now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO grant_payments (grant_id, no, due_on, amount, paid_on, reference)"
                    " VALUES ('g', 1, '2026-11-23', 10000, '2026-11-24', 'R1'),"
                    " ('g', 2, '2027-01-10', 20000, NULL, NULL)"
                )
            )
        await asyncio.to_thread(migrate.upgrade, url)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT grant_id, contract_id, basis, source, amount, received_on,"
                        " due_on, status, paid_on, buyer_id, supplier_id FROM payables"
                        " ORDER BY source"
                    )
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (*PAID_ROW, "2026-11-24", "GB-LAE-BPL", "e"),
            (*DUE_ROW, None, "GB-LAE-BPL", "e"),
        ]
        # Exactly one owner: neither (or both) is refused by the CHECK constraint.
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO payables (id, buyer_id, supplier_id, basis, source, amount,"
                        " received_on, due_on, status, document, version, created_at,"
                        " updated_at) VALUES ('x', 'b', 's', 'grant', 'instalment:9', 1,"
                        " '2026-11-23', '2026-11-23', 'due', '{}', 1, :now, :now)"
                    ),
                    {"now": NOW},
                )
        # Down again: the grant payables go (the older schema cannot hold them).
        await asyncio.to_thread(migrate.downgrade, url, "0007")
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT count(*) FROM payables"))).scalar_one()
        assert left == 0
    finally:
        await engine.dispose()


async def test_grant_instalments_become_payables_on_postgresql(pg_database: str) -> None:
    await check_grant_payables(pg_database)


async def test_grant_instalments_become_payables_on_sqlite(tmp_path: Path) -> None:
    await check_grant_payables(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
