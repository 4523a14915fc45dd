"""A register of 100,000 enterprises: searches use indexes, exports stream in constant memory."""

from __future__ import annotations

import asyncio
import re
import tracemalloc
from pathlib import Path
from typing import Any

import asyncpg
import pytest_asyncio
from sqlalchemy import event, text

from streetlevel.common.db import asyncpg_dsn, create_engine
from streetlevel.registry.adapters.areas import read_reference, store_areas
from streetlevel.registry.migrate import upgrade

ROWS = 100_000
FORMS = [
    "cic_limited_by_guarantee",
    "cic_limited_by_shares",
    "charitable_incorporated_organisation",
    "charitable_company",
    "company_limited_by_guarantee",
    "company_limited_by_shares",
    "community_benefit_society",
    "cooperative_society",
    "unincorporated_association",
    "sole_trader",
    "partnership",
]
STATUSES = ["verified"] * 6 + ["pending", "suspended", "dissolved", "rejected"]
SEED = f"""
INSERT INTO enterprises (
    id, identifier_scheme, identifier_id, name, legal_form, status, mission, employees, size,
    trading_income_pct, profit_reinvested_pct, independent, publishes_social_report, themes,
    areas_served, accreditations, services, services_text, created_at, updated_at, version)
SELECT
    gen_random_uuid(), 'GB-COH', lpad(g::text, 8, '0'), 'Enterprise ' || md5(g::text),
    (ARRAY{FORMS!r})[1 + g % 11], (ARRAY{STATUSES!r})[1 + g % 10],
    'Mission ' || g || CASE WHEN g % 500 = 0 THEN ' community kitchen' ELSE ' support' END,
    g % 300,
    CASE WHEN g % 300 < 10 THEN 'micro' WHEN g % 300 < 50 THEN 'small'
         WHEN g % 300 < 250 THEN 'medium' ELSE 'large' END,
    60, 80, true, true,
    CASE WHEN g % 7 = 0 THEN '["food"]' ELSE '["youth"]' END::json,
    json_build_array('E050' || (15186 + g % 21)::text), '[]'::json,
    '[{{"name": "Service", "description": "Help", "themes": [], "areas": []}}]'::json,
    'Service Help', now() - g * interval '1 minute', now() - g * interval '1 minute', 1
FROM generate_series(1, {ROWS}) AS g
"""
INDEX_KEYS = [
    "INSERT INTO enterprise_areas SELECT id, areas_served->>0 FROM enterprises",
    "INSERT INTO enterprise_themes SELECT id, themes->>0 FROM enterprises",
    "VACUUM ANALYZE",  # as autovacuum would: GIN pending lists merged, statistics fresh
]
SEQ_SCAN = re.compile(r"Seq Scan on enterprises\b")


async def seed(url: str, geography: Path) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        index = read_reference(geography / "areas_blackpool.csv")
        await store_areas(engine, index.areas.values(), source="areas_blackpool.csv")
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(SEED)
        for statement in INDEX_KEYS:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def big_api(make_api, pg_database_factory, geography) -> Any:
    async def prepare(url: str) -> None:
        await seed(url, geography)

    url = await pg_database_factory("registry_100k", prepare=prepare)
    return await make_api(database_url=url, bus="memory", areas_file=None)


async def plans_of(api: Any, path: str) -> tuple[list[str], Any]:
    """The response to ``path`` and the EXPLAIN of every enterprise query it ran."""
    engine = api.app.state.runtime.engine
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM enterprises" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        response = await api.client.get(path)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    assert seen
    plans = []
    async with engine.connect() as conn:
        for statement, params in seen:
            rows = (await conn.exec_driver_sql("EXPLAIN " + statement, params)).all()
            plans.append("\n".join(r[0] for r in rows))
    return plans, response.json()


async def test_filtered_paginated_searches_never_scan_the_enterprise_table(big_api) -> None:
    paths = [
        "/v1/enterprises?limit=50",
        "/v1/enterprises?legal_form=cooperative_society&sort=name&limit=50",
        "/v1/enterprises?area=E05015200&theme=food&limit=50",
        "/v1/enterprises?area=E06000009&size=micro&limit=50",
        "/v1/enterprises?q=kitchen&limit=50",
        "/v1/enterprises?q=kitchen&sort=name&status=verified",
        "/v1/enterprises?sort=-updated_at&limit=50",
        "/v1/enterprises?updated_since=2026-01-01T00:00:00Z&sort=-updated_at",
    ]
    for path in paths:
        plans, page = await plans_of(big_api, path)
        for plan in plans:
            assert not SEQ_SCAN.search(plan), f"{path}\n{plan}"
        assert page["items"], path
        if page["next_cursor"]:
            nxt, second = await plans_of(big_api, f"{path}&cursor={page['next_cursor']}")
            assert not any(SEQ_SCAN.search(p) for p in nxt), f"{path} page 2\n{nxt}"
            assert {i["id"] for i in page["items"]}.isdisjoint({i["id"] for i in second["items"]})
    _, page = await plans_of(big_api, "/v1/enterprises?q=kitchen&limit=200")
    assert len(page["items"]) == 200
    assert all("kitchen" in i["mission"] for i in page["items"])


async def test_the_export_of_100k_enterprises_streams_in_constant_memory(big_api) -> None:
    app = big_api.app
    async with app.state.runtime.engine.connect() as conn:
        public = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM enterprises "
                    "WHERE status IN ('verified', 'suspended', 'dissolved')"
                )
            )
        ).scalar_one()
    received = {"bytes": 0, "lines": 0, "status": 0}
    done = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            received["status"] = message["status"]
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            received["bytes"] += len(chunk)
            received["lines"] += chunk.count(b"\n")
            if not message.get("more_body", False):
                done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/enterprises/export",
        "raw_path": b"/v1/enterprises/export",
        "query_string": b"format=ndjson",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
        "root_path": "",
    }
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        await app(scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received["status"] == 200
    assert received["lines"] == public + 1
    assert received["bytes"] > 64 * 1024 * 1024 / 2
    assert peak - before < 32 * 1024 * 1024, f"peak grew by {(peak - before) / 2**20:.1f} MiB"


async def test_a_text_search_in_a_theme_reads_only_that_themes_rows_from_its_index(
    big_api,
) -> None:
    path = "/v1/enterprises?q=kitchen&theme=food&area=E06000009&limit=50"
    plans, page = await plans_of(big_api, path)
    assert "ix_enterprises_search_theme_food" in plans[-1], plans[-1]
    assert page["items"]
    assert all("food" in i["themes"] and "kitchen" in i["mission"] for i in page["items"])
