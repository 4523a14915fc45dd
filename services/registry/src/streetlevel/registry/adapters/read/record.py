"""One enterprise for the hot ``GET /v1/enterprises/{id}``: one statement, one round trip.

On PostgreSQL a read returns the public record as the database stores it, rendered once per
write (``public_line``, migration 0006), with the few columns access rules need; only a caller
entitled to the full record reads the whole row.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from sqlalchemy import Dialect, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

from streetlevel.common.db import read_pool
from streetlevel.registry.adapters.orm import enterprises
from streetlevel.registry.adapters.read.views import full_view, public_view

#: Every column the views and the access rules read (not the search text, not the stored size).
_COLUMNS = [c for c in enterprises.c if c.name not in ("services_text", "size")]
_BY_ID = select(*_COLUMNS).where(enterprises.c.id == bindparam("id"))
# Column names from the table definition; the id is a bind parameter.
_SQL = f"SELECT {', '.join(c.name for c in _COLUMNS)} FROM enterprises WHERE id = $1"  # noqa: S608
_PUBLIC_SQL = (
    "SELECT e.id, e.status, e.owner_client_id, e.registered_by_org, e.version, "
    "convert_to(e.public_line, 'UTF8') FROM enterprises e WHERE e.id = $1"
)
_CANONICAL = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_processors: dict[int, list[tuple[str, Callable[[Any], Any]]]] = {}


def canonical_uuid(text: str) -> uuid.UUID | None:
    """The UUID of its canonical hyphenated spelling; None for anything else."""
    return uuid.UUID(text) if _CANONICAL.match(text) else None


class _Processed:
    """A record read like a SQLAlchemy row (``row.name``)."""


def _column_processors(dialect: Dialect) -> list[tuple[str, Callable[[Any], Any]]]:
    """Our own column types' conversions (UTC timestamps, pence); asyncpg decodes the rest."""
    found = _processors.get(id(dialect))
    if found is None:
        found = [
            (column.name, partial(column.type.process_result_value, dialect=dialect))
            for column in _COLUMNS
            if isinstance(column.type, TypeDecorator)
        ]
        _processors[id(dialect)] = found
    return found


async def read_record(
    engine: AsyncEngine, enterprise_id: uuid.UUID, *, ping: bool = True
) -> Any | None:
    """The row, or None; on PostgreSQL outside a transaction (one statement needs no snapshot).

    ``ping=False`` reads through the engine's read pool, whose connections nobody pings: a
    connection broken by a database restart fails the read instead of being replaced, so only
    a caller with a pinged fallback may pass it.
    """
    if engine.dialect.name != "postgresql":
        async with engine.connect() as conn:  # SQLite reads stay deferred
            return (await conn.execute(_BY_ID, {"id": enterprise_id})).first()
    record = await _fetchrow(engine, _SQL, enterprise_id, ping=ping)
    return _processed(record, engine.dialect)


@dataclass(frozen=True, slots=True)
class PublicRecord:
    """What access rules read of an enterprise, and its public record as JSON bytes."""

    id: uuid.UUID
    status: str
    owner_client_id: str | None
    registered_by_org: str | None
    version: int
    body: bytes


async def read_public(
    engine: AsyncEngine, enterprise_id: uuid.UUID, *, ping: bool = True
) -> PublicRecord | None:
    """PostgreSQL only: the public record rendered by the database (see ``read_record``)."""
    record = await _fetchrow(engine, _PUBLIC_SQL, enterprise_id, ping=ping)
    return None if record is None else PublicRecord(*record)


async def readable(
    engine: AsyncEngine,
    enterprise_id: uuid.UUID,
    sees: Callable[[Any], str],
    *,
    ping: bool = True,
) -> tuple[int, str, bytes] | None:
    """The version, view and JSON of what ``sees(row)`` ("full", "public", "none") allows."""
    if engine.dialect.name == "postgresql":
        # Most reads are of the public record, which the database stores rendered (public_line).
        found = await read_public(engine, enterprise_id, ping=ping)
        if found is None or (view := sees(found)) == "none":
            return None
        if view == "public":
            return found.version, view, found.body
    row = await read_record(engine, enterprise_id, ping=ping)
    if row is None or (view := sees(row)) == "none":
        return None
    body = full_view(row) if view == "full" else public_view(row)
    return row.version, view, orjson.dumps(body)


async def _fetchrow(engine: AsyncEngine, sql: str, enterprise_id: uuid.UUID, *, ping: bool) -> Any:
    if not ping:
        return await (await read_pool(engine)).fetchrow(sql, enterprise_id)
    raw = await engine.raw_connection()
    try:
        return await raw.driver_connection.fetchrow(sql, enterprise_id)  # type: ignore[union-attr]
    except BaseException:
        raw.invalidate()
        raise
    finally:
        raw.close()


def _processed(record: Any, dialect: Dialect) -> Any | None:
    if record is None:
        return None
    row = dict(record)
    for name, process in _column_processors(dialect):
        row[name] = process(row[name])
    out = _Processed()
    out.__dict__.update(row)
    return out
