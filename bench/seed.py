"""Set-based seeding of a registry database: INSERT … SELECT generate_series, then ANALYZE.

Each row's attributes come from the bytes of md5(g), so they are independent of each other and
the same on every run. Large loads drop the secondary indexes first and rebuild them after,
as a bulk load should; the schema is left exactly as the migration made it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg

from streetlevel.common.db import asyncpg_dsn, create_engine
from streetlevel.registry.adapters.areas import read_reference, store_areas

GEOGRAPHY = Path("/work/shared/data/geography")
AREAS_FILE = GEOGRAPHY / "areas_blackpool.csv"
BLACKPOOL = "E06000009"
WARDS = [f"E0501{n}" for n in range(5186, 5207)]
THEMES = [
    "employment-skills", "health-wellbeing", "youth", "older-people", "environment", "housing",
    "food", "financial-inclusion", "arts-culture", "community-cohesion", "transport",
    "digital-inclusion",
]  # fmt: skip
# The legal forms a Companies House number (GB-COH) may identify.
FORMS = [
    "cic_limited_by_guarantee", "cic_limited_by_shares", "charitable_company",
    "company_limited_by_guarantee", "company_limited_by_shares", "cooperative_society",
]  # fmt: skip
PLACES = ["Blackpool", "Bispham", "Layton", "Marton", "Anchorsholme", "Talbot", "Claremont"]
KINDS = ["Community", "Youth", "Green", "Arts", "Care", "Food", "Skills", "Housing", "Energy"]
ENDINGS = ["Trust", "CIC", "Co-operative", "Project", "Network", "Hub", "Collective"]
# Words of a mission; "kitchen" lands in about 1 in 256 rows (byte 2 of md5(g) is 0).
MISSIONS = [
    "supporting young people into work", "tackling loneliness among older residents",
    "growing food on neighbourhood allotments", "repairing and reusing furniture",
    "digital skills sessions in libraries", "debt advice and benefits checks",
]  # fmt: skip

# Built from the constants above only, never from input.
INSERT = f"""
INSERT INTO enterprises (
    id, identifier_scheme, identifier_id, name, legal_form, status, mission, website, employees,
    size, trading_income_pct, profit_reinvested_pct, asset_lock, independent,
    publishes_social_report, themes, areas_served, accreditations, services, services_text,
    founded_on, created_at, updated_at, version)
SELECT
    md5('enterprise' || g)::uuid, 'GB-COH', lpad(g::text, 8, '0'),
    (ARRAY{PLACES!r})[1 + get_byte(h, 4) % {len(PLACES)}] || ' '
      || (ARRAY{KINDS!r})[1 + get_byte(h, 5) % {len(KINDS)}] || ' '
      || (ARRAY{ENDINGS!r})[1 + get_byte(h, 6) % {len(ENDINGS)}] || ' ' || g,
    (ARRAY{FORMS!r})[1 + get_byte(h, 7) % {len(FORMS)}],
    CASE WHEN get_byte(h, 3) % 10 < 6 THEN 'verified' WHEN get_byte(h, 3) % 10 < 8 THEN 'pending'
         WHEN get_byte(h, 3) % 10 < 9 THEN 'suspended' ELSE 'dissolved' END,
    'We are ' || (ARRAY{MISSIONS!r})[1 + get_byte(h, 8) % {len(MISSIONS)}]
      || CASE WHEN get_byte(h, 2) = 0 THEN ' and running a community kitchen' ELSE '' END,
    'https://example.org/e' || g,
    get_byte(h, 9),
    CASE WHEN get_byte(h, 9) < 10 THEN 'micro' WHEN get_byte(h, 9) < 50 THEN 'small'
         WHEN get_byte(h, 9) < 250 THEN 'medium' ELSE 'large' END,
    60, 80, true, true, true,
    json_build_array((ARRAY{THEMES!r})[1 + get_byte(h, 1) % {len(THEMES)}]),
    json_build_array((ARRAY{WARDS!r})[1 + get_byte(h, 0) % {len(WARDS)}]),
    '[]'::json,
    '[{{"name": "Drop-in", "description": "Open sessions", "themes": [], "areas": []}}]'::json,
    'Drop-in Open sessions', DATE '2015-01-01' + get_byte(h, 10) * 10,
    now() - g * interval '1 second', now() - g * interval '1 second', 1
FROM (SELECT g, decode(md5(g::text), 'hex') AS h FROM generate_series($1::int, $2::int) g) s
"""  # noqa: S608
SERIES = (
    "FROM (SELECT g, decode(md5(g::text), 'hex') AS h FROM generate_series($1::int, $2::int) g) s"
)
KEYS = [
    f"INSERT INTO enterprise_areas SELECT md5('enterprise' || g)::uuid, "
    f"(ARRAY{WARDS!r})[1 + get_byte(h, 0) % {len(WARDS)}] {SERIES}",
    f"INSERT INTO enterprise_themes SELECT md5('enterprise' || g)::uuid, "
    f"(ARRAY{THEMES!r})[1 + get_byte(h, 1) % {len(THEMES)}] {SERIES}",
]
TABLES = ("enterprises", "enterprise_areas", "enterprise_themes")
SECONDARY = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.tablename = ANY($1::text[]) AND i.schemaname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""


async def load_areas(url: str) -> None:
    """The Blackpool area reference, as the registry loads it."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            loaded = (await conn.exec_driver_sql("SELECT count(*) FROM areas")).scalar_one()
        if not loaded:
            index = read_reference(AREAS_FILE)
            await store_areas(engine, index.areas.values(), source=AREAS_FILE.name)
    finally:
        await engine.dispose()


async def seed(url: str, rows: int, *, bulk_from: int = 50_000) -> dict[str, float]:
    """Grow the register to ``rows`` enterprises; returns what it took, in seconds."""
    await load_areas(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    timings: dict[str, float] = {}
    try:
        have = await conn.fetchval("SELECT count(*) FROM enterprises")
        if have >= rows:
            return {"rows_added": 0}
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute("SET synchronous_commit = off")
        bulk = rows - have >= bulk_from
        t0 = time.monotonic()
        indexes = await conn.fetch(SECONDARY, list(TABLES)) if bulk else []
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        start = have + 1
        step = 250_000
        for lo in range(start, rows + 1, step):
            hi = min(lo + step - 1, rows)
            async with conn.transaction():
                await conn.execute(INSERT, lo, hi)
                for statement in KEYS:
                    await conn.execute(statement, lo, hi)
        timings["insert_s"] = time.monotonic() - t0
        t1 = time.monotonic()
        for index in indexes:
            await conn.execute(index["indexdef"])
        timings["index_s"] = time.monotonic() - t1
        t2 = time.monotonic()
        await conn.execute("VACUUM ANALYZE enterprises")
        await conn.execute("ANALYZE enterprise_areas")
        await conn.execute("ANALYZE enterprise_themes")
        timings["analyze_s"] = time.monotonic() - t2
        timings["rows_added"] = rows - have
        timings["total_s"] = time.monotonic() - t0
    finally:
        await conn.close()
    return timings


async def sample_ids(url: str, count: int, status: str = "verified") -> list[str]:
    """Ids of ``count`` enterprises with ``status``, spread over the register."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT id::text FROM enterprises WHERE status = $1 ORDER BY id LIMIT $2",
            status,
            count,
        )
    finally:
        await conn.close()
    return [r["id"] for r in rows]


if __name__ == "__main__":
    import sys

    print(asyncio.run(seed(sys.argv[1], int(sys.argv[2]))))
