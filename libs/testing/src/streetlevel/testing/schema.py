"""Migration checks every service runs: what autogenerate would still change, which tables exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.ext.asyncio import create_async_engine


async def schema_diff(
    url: str, metadata: MetaData, *, include_object: Callable[..., bool] | None = None
) -> list[Any]:
    """Empty when the models and the migrated schema at ``url`` agree (types compared too)."""
    opts: dict[str, Any] = {"compare_type": True}
    if include_object is not None:
        opts["include_object"] = include_object
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts=opts), metadata)
            )
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    """The tables in the database at ``url``."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
