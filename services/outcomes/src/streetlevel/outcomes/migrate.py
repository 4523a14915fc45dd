"""Programmatic Alembic: ``upgrade(url)`` and ``downgrade(url, rev)`` for tests, stack, embedded."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

SERVICE_ROOT = Path(__file__).resolve().parents[3]


def config(url: str) -> Config:
    """The Alembic config of this service, pointed at ``url``."""
    cfg = Config(str(SERVICE_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(SERVICE_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (runs its own event loop: call it off the loop)."""
    command.upgrade(config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(config(url), revision)
