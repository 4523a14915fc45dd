"""Alembic for every service: one env, programmatic upgrades, one migrator at a time.

On PostgreSQL the migration takes a transaction-level advisory lock, so replicas or Jobs
that start together run the migration once, one after another, never interleaved.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from streetlevel.common.lease import lock_key

IncludeObject = Callable[..., bool]


def run_env(
    *, service: str, metadata: MetaData, include_object: IncludeObject | None = None
) -> None:
    """The body of a service's ``migrations/env.py``."""
    config = context.config
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.attributes.get("url")
        or os.environ.get(f"{service.upper()}_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError(
            f"no database URL: pass -x url=... or set {service.upper()}_DATABASE_URL"
        )
    options: dict[str, Any] = {"target_metadata": metadata, "compare_type": True}
    if include_object is not None:
        options["include_object"] = include_object
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection, render_as_batch=connection.dialect.name == "sqlite", **options
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": lock_key(f"migrate:{service}")},
                )
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(str(url), poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(online())


@dataclass(frozen=True)
class Migrations:
    """A service's Alembic history, driven from code (tests, start-up, stack, Jobs)."""

    service_dir: Path

    def config(self, url: str) -> Config:
        config = Config(str(self.service_dir / "alembic.ini"))
        config.set_main_option("script_location", str(self.service_dir / "migrations"))
        config.attributes["url"] = url
        return config

    def upgrade(self, url: str, revision: str = "head") -> None:
        """Migrate ``url`` up (blocking: Alembic's env runs its own event loop)."""
        command.upgrade(self.config(url), revision)

    def downgrade(self, url: str, revision: str = "base") -> None:
        command.downgrade(self.config(url), revision)

    async def upgrade_async(self, url: str, revision: str = "head") -> None:
        """``upgrade`` off the running event loop."""
        await asyncio.to_thread(self.upgrade, url, revision)
