"""Programmatic Alembic: ``upgrade(url)`` / ``downgrade(url, rev)`` for tests, CLI and start-up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

SERVICE_DIR = Path(__file__).resolve().parents[3]


def alembic_config(url: str) -> Config:
    """The gateway's Alembic config pointed at ``url``."""
    config = Config(str(SERVICE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(SERVICE_DIR / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate ``url`` up to ``revision`` (blocking: call from a thread inside an event loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate ``url`` down to ``revision``."""
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """``upgrade`` off the event loop (Alembic's env runs its own loop)."""
    await asyncio.to_thread(upgrade, url, revision)
