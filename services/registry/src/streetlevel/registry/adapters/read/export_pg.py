"""The NDJSON export on PostgreSQL: each row stores its public line, COPY streams the bytes.

In Python every row cost a dict, a decode of its JSON columns and an encode of the result
(~16k rows/s). Here the generated column ``public_line`` (migration 0006: exactly what
``views.public_view`` renders, written once per write) is copied as it is stored, and the
registry only forwards the bytes: no per-row work anywhere, constant memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.registry.adapters.read.public_json import sql_list
from streetlevel.registry.domain.model import PUBLIC_STATUSES

#: One NDJSON line (without its newline) per public enterprise, in id order.
PUBLIC_LINES = (
    "SELECT e.public_line FROM enterprises e "  # noqa: S608 - from constants
    f"WHERE e.status IN {sql_list(PUBLIC_STATUSES)} ORDER BY e.id"
)
# No JIT: compiling the query costs more than it could save on one scan.
BEGIN = "BEGIN READ ONLY; SET LOCAL jit = off"
#: COPY's CSV format with a delimiter and a quote that never occur in a line (JSON escapes every
#: control character, and no JSON column spans lines): each row is its line, byte for byte.
COPY_OPTIONS: dict[str, Any] = {"format": "csv", "delimiter": "\x01", "quote": "\x02"}
#: Bigger chunks, fewer hops through the response and the gzip layer (256 KiB: measured).
CHUNK_BYTES = 1 << 18
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
