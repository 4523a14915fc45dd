"""The NDJSON export on PostgreSQL: each row stores its public line, COPY streams the bytes.

In Python every row cost a dict, a decode of its JSON columns and an encode of the result
(~16k rows/s). Here the generated column ``public_line`` (migration 0006: exactly what
``views.public_view`` renders, written once per write) is copied as it is stored, and the
registry only forwards the bytes: no per-row work anywhere, constant memory.

One COPY keeps one database backend busy, and that backend was the export's limit. A large
register is therefore copied in slices of the id space by two connections sharing one snapshot
(``pg_export_snapshot``, as ``pg_dump --jobs`` does): slice n by connection n % 2, the next
slice read ahead while this one is sent, so the output is still one consistent register in id
order and at most a slice or so is held per connection.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.registry.adapters.read.public_json import sql_list
from streetlevel.registry.domain.model import PUBLIC_STATUSES

_PUBLIC = f"e.status IN {sql_list(PUBLIC_STATUSES)}"
#: One NDJSON line (without its newline) per public enterprise, in id order.
PUBLIC_LINES = f"SELECT e.public_line FROM enterprises e WHERE {_PUBLIC} ORDER BY e.id"  # noqa: S608
# One snapshot for every slice; no JIT (compiling the query costs more than it could save).
BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
SETTINGS = "SET LOCAL jit = off"
ESTIMATE = "SELECT reltuples::bigint FROM pg_class WHERE oid = 'enterprises'::regclass"
#: COPY's CSV format with a delimiter and a quote that never occur in a line (JSON escapes every
#: control character, and no JSON column spans lines): each row is its line, byte for byte.
COPY_OPTIONS: dict[str, Any] = {"format": "csv", "delimiter": "\x01", "quote": "\x02"}
#: Bigger chunks, fewer hops through the response and the gzip layer (256 KiB: measured).
CHUNK_BYTES = 1 << 18
#: Rows per slice (~4 MB of lines) and connections copying slices; a register estimated below
#: PARALLEL_FROM_ROWS (or never analysed) is one COPY on one connection.
SLICE_ROWS = 5_000
STREAMS = 2
PARALLEL_FROM_ROWS = 100_000
MAX_SLICES = 4096
#: Chunks a connection may read ahead: a whole slice, so the next one is ready when it is due.
QUEUE_CHUNKS = 24

_Item = bytes | Exception | None
#: A slice's bounds as 32 hex digits: from (inclusive), to (exclusive, None for the last).
_Slice = tuple[str | None, str | None]


def slices(estimated_rows: int) -> list[_Slice]:
    """The id space cut into equal ranges of about SLICE_ROWS rows each (ids are random)."""
    count = min(MAX_SLICES, math.ceil(estimated_rows / SLICE_ROWS))
    if estimated_rows < PARALLEL_FROM_ROWS or count < STREAMS:
        return [(None, None)]
    bounds = [uuid.UUID(int=(n << 128) // count).hex for n in range(1, count)]
    return list(zip([None, *bounds], [*bounds, None], strict=True))


def slice_query(bounds: _Slice) -> str:
    """PUBLIC_LINES within ``bounds`` (hex digits made here, never input)."""
    low, high = bounds
    where = [_PUBLIC]
    if low is not None:
        where.append(f"e.id >= '{low}'")
    if high is not None:
        where.append(f"e.id < '{high}'")
    return f"SELECT e.public_line FROM enterprises e WHERE {' AND '.join(where)} ORDER BY e.id"  # noqa: S608


async def _copy(conn: Any, parts: Sequence[_Slice], queue: asyncio.Queue[_Item]) -> None:
    """COPY each slice into ``queue`` in chunks of about CHUNK_BYTES, each slice ending with None.

    The transaction is already open; an error ends the queue (the reader raises it).
    """
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
        for bounds in parts:
            await conn.copy_from_query(slice_query(bounds), output=sink, **COPY_OPTIONS)
            if pending:
                await queue.put(b"".join(pending))
                pending.clear()
                size = 0
            await queue.put(None)
        await conn.execute("COMMIT")
    except Exception as exc:  # the reader raises it
        await queue.put(exc)


async def public_lines(engine: AsyncEngine) -> AsyncGenerator[bytes, None]:
    """The public register as NDJSON lines in id order, in chunks of about CHUNK_BYTES.

    Each COPY runs in its own task and waits whenever its queue is full, so a slow client slows
    the database down instead of filling memory. Closed early (the client went away), it
    cancels the COPYs and closes their connections.
    """
    raws: list[Any] = []
    copies: list[asyncio.Task[None]] = []
    finished = False
    try:
        raws.append(await engine.raw_connection())
        first = raws[0].driver_connection
        await first.execute(f"{BEGIN}; {SETTINGS}")
        parts = slices(int(await first.fetchval(ESTIMATE) or 0))
        if len(parts) > 1:
            snapshot = await first.fetchval("SELECT pg_export_snapshot()")
            for _ in range(STREAMS - 1):
                raws.append(await engine.raw_connection())
                await raws[-1].driver_connection.execute(
                    f"{BEGIN}; SET TRANSACTION SNAPSHOT '{snapshot}'; {SETTINGS}"
                )
        queues: list[asyncio.Queue[_Item]] = [asyncio.Queue(QUEUE_CHUNKS) for _ in raws]
        for k, raw in enumerate(raws):
            share = parts[k :: len(raws)]
            copies.append(asyncio.create_task(_copy(raw.driver_connection, share, queues[k])))
        for n in range(len(parts)):
            queue = queues[n % len(raws)]
            while (item := await queue.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield item
        finished = True
    finally:
        # No await here: a cancelled request may be cancelled again at every await.
        for copy in copies:
            if not finished:
                copy.cancel()
        for raw in raws:
            if not finished:
                raw.invalidate()  # mid-COPY the connection is unusable; closing it ends the COPY
            raw.close()
