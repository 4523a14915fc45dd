"""The area reference: loading ONS files into the table, the cached hierarchy, area reads."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from streetlevel.common.areas import Area, AreaIndex, load_reference
from streetlevel.common.clock import Clock, SystemClock
from streetlevel.common.pagination import decode_cursor, encode_cursor
from streetlevel.registry.adapters.orm import area_loads, areas

BATCH = 2000
a = areas.c


def read_reference(path: str | Path, counties: str | Path | None = None) -> AreaIndex:
    """An ONS best-fit lookup or a ``code,name,type,parent_code`` list, plus LAD → county."""
    return load_reference(path, counties)


def _upsert(dialect: str, rows: list[dict[str, Any]]) -> Any:
    if dialect == "postgresql":
        pg = postgresql.insert(areas).values(rows)
        return pg.on_conflict_do_update(
            index_elements=[a.code],
            set_={"name": pg.excluded.name, "type": pg.excluded.type, "parent": pg.excluded.parent},
        )
    lite = sqlite.insert(areas).values(rows)
    return lite.on_conflict_do_update(
        index_elements=[a.code],
        set_={
            "name": lite.excluded.name,
            "type": lite.excluded.type,
            "parent": lite.excluded.parent,
        },
    )


async def store_areas(
    engine: AsyncEngine, index: Iterable[Area], *, source: str, clock: Clock | None = None
) -> int:
    """Upsert every area in one transaction (idempotent) and record the load."""
    rows = [{"code": x.code, "name": x.name, "type": x.type, "parent": x.parent} for x in index]
    async with engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            await conn.execute(_upsert(conn.dialect.name, rows[start : start + BATCH]))
        await conn.execute(
            insert(area_loads).values(
                loaded_at=(clock or SystemClock()).now(), source=source[-500:], areas=len(rows)
            )
        )
    return len(rows)


async def area_count(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(areas))).scalar_one())


class AreaCache:
    """The hierarchy in memory, reloaded when another process has loaded areas since."""

    def __init__(self) -> None:
        self.index = AreaIndex()
        self.generation: int | None = -1

    async def get(self, conn: AsyncConnection) -> AreaIndex:
        generation = (await conn.execute(select(func.max(area_loads.c.id)))).scalar_one()
        if generation != self.generation:
            index = AreaIndex()
            result = await conn.stream(select(a.code, a.name, a.type, a.parent))
            async for row in result:
                index.add(Area(row.code, row.name, row.type, row.parent))
            self.index, self.generation = index, generation
        return self.index


async def list_areas(
    conn: AsyncConnection,
    *,
    kind: str | None,
    parent: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Areas by code, filtered by type, parent and a name fragment."""
    query = select(areas).order_by(a.code)
    if kind:
        query = query.where(a.type == kind)
    if parent:
        query = query.where(a.parent == parent)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(a.name).like(f"%{escaped.lower()}%", escape="\\"))
    position = decode_cursor(cursor)
    if position:
        query = query.where(a.code > str(position.get("c", "")))
    rows = list((await conn.execute(query.limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor({"c": rows[limit - 1].code})


async def get_area(conn: AsyncConnection, code: str) -> Any | None:
    return (await conn.execute(select(areas).where(a.code == code))).first()


async def children_of(conn: AsyncConnection, code: str) -> list[Any]:
    return list((await conn.execute(select(areas).where(a.parent == code).order_by(a.code))).all())
