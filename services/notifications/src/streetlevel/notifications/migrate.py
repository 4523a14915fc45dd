"""Programmatic Alembic: ``upgrade(url)`` / ``downgrade(url, rev)`` for tests, start-up, stack."""

from __future__ import annotations

from pathlib import Path

from streetlevel.common.migrations import Migrations

MIGRATIONS = Migrations(Path(__file__).resolve().parents[3])
upgrade = MIGRATIONS.upgrade
downgrade = MIGRATIONS.downgrade
upgrade_async = MIGRATIONS.upgrade_async
config = MIGRATIONS.config
