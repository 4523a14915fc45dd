"""The gateway's Alembic history upgrades and downgrades cleanly."""

from __future__ import annotations

import asyncio
import sqlite3

from streetlevel.gateway import migrate


async def test_migrations_upgrade_and_downgrade_on_sqlite(tmp_path) -> None:
    path = tmp_path / "gateway.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        head = conn.execute("SELECT last_position, pruned_through FROM feed_head").fetchall()
    assert {"api_clients", "councils", "signing_keys", "feed_events", "inbox", "outbox"} <= tables
    assert head == [(0, 0)]
    await asyncio.to_thread(migrate.downgrade, url, "base")
    with sqlite3.connect(path) as conn:
        left = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert left <= {"alembic_version"}
