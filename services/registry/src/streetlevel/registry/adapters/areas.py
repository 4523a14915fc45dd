"""The area reference: loading ONS files into the table, the cached hierarchy, area reads."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from streetlevel.common.areas import Area, AreaIndex, load_area_list, load_ons_lookup
from streetlevel.common.clock import Clock, SystemClock
from streetlevel.common.pagination import decode_cursor, encode_cursor
from streetlevel.registry.adapters.orm import area_loads, areas

BATCH = 2000
a = areas.c


def read_reference(path: str | Path, counties: str | Path | None = None) -> AreaIndex:
    """An ONS best-fit lookup or a ``code,name,type,parent_code`` list, plus LAD → county."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    if "LSOA21CD" in header:
        return load_ons_lookup(path, counties)
    index = load_area_list(path)
    if counties is not None:
        for area in load_ons_lookup_counties(counties):
            index.add(area)
        county_of = {a.code: a.parent for a in load_ons_lookup_counties(counties, lads=True)}
        for code, county in county_of.items():
            lad = index.get(code)
            if lad is not None and county and lad.parent is None:
                index.add(Area(lad.code, lad.name, lad.type, county))
    return index


def load_ons_lookup_counties(path: str | Path, *, lads: bool = False) -> list[Area]:
    """Counties of a LAD → county list (or, with ``lads``, each LAD with its county parent)."""
    found: dict[str, Area] = {}
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            county = (row.get("county_code") or "").strip()
            if not county:
                continue
            if lads:
                lad = row["LAD24CD"].strip()
                found[lad] = Area(lad, row["LAD24NM"].strip(), "lad", county)
            else:
                found[county] = Area(county, row["county_name"].strip(), "county")
    return list(found.values())


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
