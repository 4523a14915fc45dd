"""The NDJSON export on PostgreSQL: the database writes each public line, COPY streams the bytes.

In Python every row cost a dict, a decode of its JSON columns and an encode of the result
(~16k rows/s). Here one statement renders exactly what ``views.public_view`` renders and the
registry only forwards the bytes: no per-row Python, constant memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.registry.adapters.views import timestamp
from streetlevel.registry.domain.model import PRIVATE_ADDRESS_FORMS, PUBLIC_STATUSES


class _Sql(str):
    """An SQL expression giving JSON text; a plain ``str`` in a line is literal JSON text."""


def _sql_list(values: frozenset[str]) -> str:
    # Enum values from the domain, never input.
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def _text(column: str) -> _Sql:
    """A JSON string (to_json escapes it as JSON requires) or null."""
    return _Sql(f"coalesce(to_json({column})::text, 'null')")


def _scalar(column: str) -> _Sql:
    """An integer or boolean: its text is its JSON."""
    return _Sql(f"coalesce({column}::text, 'null')")


def _float(column: str) -> _Sql:
    """A float as Python writes it: ``60.0`` not ``60``; NaN and infinities as null."""
    return _Sql(
        f"CASE WHEN {column} IS NULL THEN 'null' "
        f"WHEN {column} = trunc({column}) AND abs({column}) < 1e15 "
        f"THEN trunc({column})::bigint::text || '.0' "
        f"WHEN {column} IN ('NaN', 'Infinity', '-Infinity') THEN 'null' "
        f"ELSE {column}::text END"
    )


def _timestamp(column: str) -> tuple[str, _Sql, str]:
    """``views.timestamp``: RFC 3339 in UTC with a Z, microseconds only when there are some.

    asyncpg reads PostgreSQL's infinities as ``datetime.max`` and ``datetime.min``.
    """
    text = f'to_char({column}, \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')'
    ends = [timestamp(d) for d in (datetime.max, datetime.min)]
    return (
        '"',
        _Sql(
            f"CASE WHEN {column} = 'infinity' THEN '{ends[0]}' "
            f"WHEN {column} = '-infinity' THEN '{ends[1]}' "
            f"ELSE replace({text}, '.000000Z', 'Z') END"
        ),
        '"',
    )


def _date(column: str) -> _Sql:
    """ISO 8601 or null; asyncpg reads the infinities as ``date.max`` and ``date.min``."""
    return _Sql(
        f"CASE WHEN {column} IS NULL THEN 'null' "
        f"WHEN {column} = 'infinity' THEN '\"{date.max.isoformat()}\"' "
        f"WHEN {column} = '-infinity' THEN '\"{date.min.isoformat()}\"' "
        f"ELSE '\"' || {column}::text || '\"' END"
    )


#: The keys and values of ``views.public_view``, in its order. The JSON columns are copied as
#: stored: migration 0003 keeps services in their public form and every value on one line.
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("id", ('"', _Sql("e.id::text"), '"')),
    (
        "identifier",
        (
            _Sql(
                "CASE WHEN e.identifier_scheme <> '' THEN '{\"scheme\":' || "
                f"{_text('e.identifier_scheme')} || ',\"id\":' || {_text('e.identifier_id')} "
                "|| '}' ELSE 'null' END"
            ),
        ),
    ),
    ("name", (_text("e.name"),)),
    ("legal_form", (_text("e.legal_form"),)),
    ("status", ('"', _Sql("e.status"), '"')),  # one of PUBLIC_STATUSES (the WHERE clause)
    ("mission", (_text("e.mission"),)),
    ("themes", (_Sql("e.themes::text"),)),
    ("areas_served", (_Sql("e.areas_served::text"),)),
    ("website", (_text("e.website"),)),
    ("employees", (_scalar("e.employees"),)),
    (
        "size",  # the bands of model.size_for
        (
            _Sql(
                "CASE WHEN e.employees IS NULL THEN 'null' WHEN e.employees < 10 THEN '\"micro\"' "
                "WHEN e.employees < 50 THEN '\"small\"' "
                "WHEN e.employees < 250 THEN '\"medium\"' ELSE '\"large\"' END"
            ),
        ),
    ),
    ("trading_income_pct", (_float("e.trading_income_pct"),)),
    ("profit_reinvested_pct", (_float("e.profit_reinvested_pct"),)),
    ("asset_lock", (_scalar("e.asset_lock"),)),
    ("independent", (_scalar("e.independent"),)),
    ("publishes_social_report", (_scalar("e.publishes_social_report"),)),
    ("accreditations", (_Sql("e.accreditations::text"),)),
    ("services", (_Sql("e.services::text"),)),
    ("founded_on", (_date("e.founded_on"),)),
    (
        "address",
        (
            _Sql(
                f"CASE WHEN e.legal_form IN {_sql_list(PRIVATE_ADDRESS_FORMS)} "
                "OR e.address IS NULL THEN 'null' ELSE e.address::text END"
            ),
        ),
    ),
    ("created_at", _timestamp("e.created_at")),
    ("updated_at", _timestamp("e.updated_at")),
    ("version", (_Sql("e.version::text"),)),
)


def _concatenation(parts: list[str]) -> str:
    """``a || b || …`` with neighbouring literal texts joined into one SQL literal."""
    out: list[str] = []
    literal = ""
    for part in parts:
        if isinstance(part, _Sql):
            if literal:
                out.append("'" + literal.replace("'", "''") + "'")
                literal = ""
            out.append(part)
        else:
            literal += part
    if literal:
        out.append("'" + literal.replace("'", "''") + "'")
    return " || ".join(out)


def public_line_sql() -> str:
    """``SELECT`` of one NDJSON line (without its newline) per public enterprise, by id."""
    parts: list[str] = []
    for n, (key, value) in enumerate(FIELDS):
        parts += ["{" if n == 0 else ",", f'"{key}":', *value]
    parts.append("}")
    return (
        f"SELECT {_concatenation(parts)} FROM enterprises e "  # noqa: S608 - from constants
        f"WHERE e.status IN {_sql_list(PUBLIC_STATUSES)} ORDER BY e.id"
    )


PUBLIC_LINES = public_line_sql()
# The formats the expressions above rely on; no JIT (compiling them added ~0.7 s per export).
BEGIN = (
    "BEGIN READ ONLY; "
    "SET LOCAL jit = off; SET LOCAL timezone = 'UTC'; SET LOCAL datestyle = 'ISO, YMD'; "
    "SET LOCAL extra_float_digits = 1"
)
#: COPY's CSV format with a delimiter and a quote that never occur in a line (JSON escapes every
#: control character, and no JSON column spans lines): each row is its line, byte for byte.
COPY_OPTIONS: dict[str, Any] = {"format": "csv", "delimiter": "\x01", "quote": "\x02"}
CHUNK_BYTES = 1 << 16
#: Chunks waiting for a slow client: at most this many times CHUNK_BYTES (plus one COPY read).
QUEUE_CHUNKS = 4

_Item = bytes | Exception | None


async def _copy(conn: Any, queue: asyncio.Queue[_Item]) -> None:
    """Run the COPY into ``queue`` in chunks of about CHUNK_BYTES; then None (or the error)."""
    pending: list[bytes] = []
    size = 0

    async def sink(data: bytes) -> None:
        nonlocal size
        pending.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            chunk = b"".join(pending)
            pending.clear()
            size = 0
            await queue.put(chunk)

    try:
        await conn.execute(BEGIN)
        await conn.copy_from_query(PUBLIC_LINES, output=sink, **COPY_OPTIONS)
        await conn.execute("COMMIT")
    except Exception as exc:  # the reader raises it
        await queue.put(exc)
        return
    if pending:
        await queue.put(b"".join(pending))
    await queue.put(None)


async def public_lines(engine: AsyncEngine) -> AsyncGenerator[bytes, None]:
    """The public register as NDJSON lines in id order, in chunks of about CHUNK_BYTES.

    The COPY runs in its own task and waits whenever QUEUE_CHUNKS chunks are unread, so a slow
    client slows the database down instead of filling memory. Closed early (the client went
    away), it cancels the COPY and closes the connection.
    """
    raw = await engine.raw_connection()
    queue: asyncio.Queue[_Item] = asyncio.Queue(QUEUE_CHUNKS)
    copy = asyncio.create_task(_copy(raw.driver_connection, queue))
    finished = False
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
        finished = True
    finally:
        # No await here: a cancelled request may be cancelled again at every await.
        if not finished:
            copy.cancel()
            raw.invalidate()  # mid-COPY the connection is unusable; closing it ends the COPY
        raw.close()
