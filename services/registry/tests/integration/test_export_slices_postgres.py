"""A large register's export: slices of the id space copied by two connections on one snapshot."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from sqlalchemy import event, insert, text

from streetlevel.common.db import create_engine
from streetlevel.registry.adapters.orm import enterprises
from streetlevel.registry.adapters.read import export_pg
from streetlevel.registry.adapters.read.export_pg import public_lines, slices
from streetlevel.registry.migrate import upgrade

from .test_export_postgres import row, until_the_export_session_ends

ROWS = 300


@pytest.fixture
async def engine(pg_database_factory: Any) -> Any:
    engine = create_engine(await pg_database_factory("registry_slices", prepare=upgrade))
    async with engine.begin() as conn:
        await conn.execute(insert(enterprises), [row(n) for n in range(ROWS)])
        await conn.execute(text("ANALYZE enterprises"))
    yield engine
    await engine.dispose()


def sliced(monkeypatch: pytest.MonkeyPatch, *, chunk_bytes: int | None = None) -> None:
    """Slices of ~30 rows (about ten) from this small register on, two connections."""
    monkeypatch.setattr(export_pg, "PARALLEL_FROM_ROWS", 1)
    monkeypatch.setattr(export_pg, "SLICE_ROWS", 30)
    if chunk_bytes is not None:  # small chunks and queues: each COPY waits for the reader
        monkeypatch.setattr(export_pg, "CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr(export_pg, "QUEUE_CHUNKS", 1)


async def export(engine: Any) -> bytes:
    return b"".join([chunk async for chunk in public_lines(engine)])


def test_slices_cover_the_id_space_in_order_without_gaps() -> None:
    assert slices(0) == [(None, None)]
    assert slices(export_pg.PARALLEL_FROM_ROWS - 1) == [(None, None)]
    parts = slices(1_000_000)
    assert len(parts) == 200
    assert parts[0][0] is None
    assert parts[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    bounds = [uuid.UUID(hex=low) for low, _ in parts[1:]]
    assert bounds == sorted(bounds)


async def test_a_sliced_export_is_the_single_copy_byte_for_byte(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = await export(engine)
    used: list[Any] = []
    event.listen(engine.sync_engine.pool, "checkout", lambda dbapi, *_: used.append(dbapi))
    sliced(monkeypatch)
    assert await export(engine) == single
    assert len(used) == 2
    ids = [line[8:44] for line in single.splitlines()]
    assert ids == sorted(ids)
    assert len(ids) > 100


async def test_a_sliced_export_reads_one_snapshot(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await export(engine)
    sliced(monkeypatch, chunk_bytes=1024)
    lines = public_lines(engine)
    chunks = [await anext(lines)]
    # Written after the export began: at both ends of the id space, so in both connections' share.
    ends = (uuid.UUID(int=1), uuid.UUID(int=(1 << 128) - 1))
    late = [{**row(ROWS + n), "id": ends[n], "status": "verified"} for n in (0, 1)]
    async with engine.begin() as conn:
        await conn.execute(insert(enterprises), late)
        await conn.execute(text("UPDATE enterprises SET name = 'New' WHERE status = 'verified'"))
    chunks += [chunk async for chunk in lines]
    assert b"".join(chunks) == before


async def test_closing_a_sliced_export_early_closes_both_connections(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sliced(monkeypatch, chunk_bytes=1024)
    used: list[Any] = []
    event.listen(engine.sync_engine.pool, "checkout", lambda dbapi, *_: used.append(dbapi))
    lines = public_lines(engine)
    first = await anext(lines)
    assert first.startswith(b'{"id":"')
    assert engine.pool.checkedout() == 2
    await lines.aclose()
    assert engine.pool.checkedout() == 0
    assert [c.driver_connection.is_closed() for c in used] == [True, True]
    await until_the_export_session_ends(engine)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
