"""The NDJSON export on PostgreSQL: each line is exactly the row's public view, nothing private."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
import pytest
from sqlalchemy import event, insert, null, select, text
from starlette.requests import ClientDisconnect

from streetlevel.common.db import asyncpg_dsn, create_engine
from streetlevel.common.pagination import encode_cursor
from streetlevel.registry.adapters.orm import enterprises
from streetlevel.registry.adapters.read import queries
from streetlevel.registry.adapters.read.export_pg import public_lines
from streetlevel.registry.adapters.read.views import public_view
from streetlevel.registry.domain.model import PRIVATE_ADDRESS_FORMS, PUBLIC_STATUSES, LegalForm
from streetlevel.registry.migrate import upgrade

EXPORT = "/v1/enterprises/export?format=ndjson"
AWKWARD = [
    'Quote " and backslash \\ and slash /',
    "Line one\nline two\r\nand a\ttab",
    "Control \x01\x02\x1b\x1f\x7f characters",
    "Unicode: Café Ünïcödé, 中文, עברית, emoji 😀, combining e\u0301, separators \u2028\u2029",
    "</script><!-- '; DROP TABLE enterprises; --",
    "",
]
FLOATS = [None, 0.0, -0.0, 100.0, 60.0, 0.1, 33.333333333333336, 1e-05, 99.99999999999999]
EXTREME_FLOATS = [1e15, 999_999_999_999_999.0, 1e20, math.nan, math.inf]
EMPLOYEES = [None, 0, 9, 10, 49, 50, 249, 250, 1_000_000]
STAMPS = [
    datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    datetime(2026, 11, 23, 12, 0, 1, 120000, tzinfo=UTC),
    datetime(2026, 11, 23, 12, 0, 2, 1, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 6, 1, 0, 0, 0, 500000, tzinfo=UTC),
]
STATUSES = ["verified", "suspended", "dissolved", "pending", "rejected"]


def typed(value: Any) -> Any:
    """The value with the JSON type of every leaf, so 60 and 60.0 differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def secret(n: int, what: str) -> str:
    return f"secret-{what}-{n:04d}"


def address(n: int) -> dict[str, Any]:
    return {"lines": [secret(n, "address"), 'Quote " Lane'], "town": "Blackpool", "postcode": "FY1"}


def row(n: int) -> dict[str, Any]:
    """A row the domain could write, and some it could not, each cycling through awkward values."""
    form = list(LegalForm)[n % len(LegalForm)]
    scheme = [None, "", "GB-COH", "GB-CHC"][n % 4]
    return {
        "id": uuid.UUID(int=(n * 0x9E3779B97F4A7C15) % (1 << 128)),
        "identifier_scheme": scheme,
        "identifier_id": None if n % 7 == 0 else f"{n:08d}",
        "name": f"Enterprise {n}: {AWKWARD[n % len(AWKWARD)]}",
        "legal_form": form.value,
        "status": STATUSES[n % len(STATUSES)],
        "mission": None if n % 6 == 5 else AWKWARD[(n + 1) % len(AWKWARD)],
        "website": None if n % 3 == 0 else f'https://example.org/{n}?q="a\\b"&é',
        "employees": EMPLOYEES[n % len(EMPLOYEES)],
        "trading_income_pct": FLOATS[n % len(FLOATS)],
        "profit_reinvested_pct": (FLOATS + EXTREME_FLOATS)[(n * 5) % 14],
        "asset_lock": [None, True, False][n % 3],
        "independent": [True, False, None][n % 3],
        "publishes_social_report": [False, None, True][n % 3],
        "themes": [] if n % 4 == 0 else ["food", "youth"][: 1 + n % 2],
        "areas_served": [] if n % 5 == 0 else ["E05015200", "E06000009"][: 1 + n % 2],
        "accreditations": [] if n % 2 else ['B "Corp" \\ ✓', AWKWARD[n % len(AWKWARD)]],
        "services": [
            {
                "name": f"Service {n}/{k} {AWKWARD[(n + k) % len(AWKWARD)]}",
                "description": None if k % 2 else "Weekly\nsessions",
                "themes": [] if k % 2 else ["food"],
                "areas": ["E05015200"] if k else [],
            }
            for k in range(n % 3)
        ],
        "services_text": "",
        "founded_on": [None, date(2019, 4, 1), date(1, 1, 1), date(9999, 12, 31)][n % 4],
        "contact": {"email": f"{secret(n, 'email')}@private.example", "phone": "01253 999999"},
        "address": null() if n % 11 == 10 else address(n),
        "annual_turnover": Decimal(f"{123456 + n}.78"),
        "registered_by_client": secret(n, "client"),
        "registered_by_org": secret(n, "org"),
        "owner_client_id": secret(n, "owner"),
        "created_at": STAMPS[n % len(STAMPS)],
        "updated_at": STAMPS[(n + 2) % len(STAMPS)],
        "version": 1 + n % 4,
    }


async def export_lines(api: Any) -> tuple[str, list[bytes]]:
    response = await api.client.get(EXPORT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    body = response.content
    assert body.endswith(b"\n")
    return body.decode(), body[:-1].split(b"\n")


async def public_views(engine: Any) -> list[dict[str, Any]]:
    """What the Python export renders: ``public_view`` of every public row, by id."""
    query = (
        select(enterprises)
        .where(enterprises.c.status.in_(sorted(PUBLIC_STATUSES)))
        .order_by(enterprises.c.id)
    )
    async with engine.connect() as conn:
        return [public_view(r) for r in (await conn.execute(query)).all()]


@pytest.fixture
async def pg_api(make_api: Any) -> Any:
    return await make_api(bus="memory")


async def test_every_exported_line_is_exactly_the_public_view_of_its_row(pg_api: Any) -> None:
    engine = pg_api.app.state.runtime.engine
    rows = [row(n) for n in range(200)]
    async with engine.begin() as conn:
        await conn.execute(insert(enterprises), rows)
        # Only SQL writes these; asyncpg reads them as datetime.max and datetime.min.
        for n, (created, updated) in enumerate(
            [("infinity", "-infinity"), ("-infinity", "infinity")]
        ):
            await conn.execute(
                text(
                    "UPDATE enterprises SET created_at = CAST(CAST(:c AS text) AS timestamptz), "
                    "updated_at = CAST(CAST(:u AS text) AS timestamptz) WHERE id = :id"
                ),
                {"c": created, "u": updated, "id": rows[n]["id"]},
            )
    text_, lines = await export_lines(pg_api)
    meta, *records = lines
    assert json.loads(meta)["_meta"]["license"] == "Open Government Licence v3.0"
    expected = await public_views(engine)
    assert len(records) == len(expected) == sum(r["status"] in PUBLIC_STATUSES for r in rows)
    for line, view in zip(records, expected, strict=True):
        # What the Python path wrote (orjson), read back: same keys, values and JSON types.
        assert typed(json.loads(line)) == typed(json.loads(orjson.dumps(view))), line
        assert list(json.loads(line)) == list(view)
    for n, r in enumerate(rows):
        private = [r["registered_by_client"], r["registered_by_org"], r["owner_client_id"]]
        private += [r["contact"]["email"], str(r["annual_turnover"]), "01253 999999"]
        if LegalForm(r["legal_form"]) in PRIVATE_ADDRESS_FORMS and isinstance(r["address"], dict):
            private.append(r["address"]["lines"][0])
        if r["status"] not in PUBLIC_STATUSES:
            private.append(f"Enterprise {n}: ")
        assert not [p for p in private if p in text_], r["id"]
    assert "\x01" not in text_
    assert "\x02" not in text_


async def _seed_mixed(pg_api: Any) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """120 rows of every status; the public views of those the public may see, by id."""
    engine = pg_api.app.state.runtime.engine
    rows = [row(n) for n in range(120)]
    async with engine.begin() as conn:
        await conn.execute(insert(enterprises), rows)
    return rows, {view["id"]: view for view in await public_views(engine)}


async def test_every_public_read_by_id_is_exactly_the_public_view_of_its_row(
    pg_api: Any,
) -> None:
    rows, expected = await _seed_mixed(pg_api)
    assert expected
    for r in rows:
        path = f"/v1/enterprises/{r['id']}"
        lane = await pg_api.client.get(path)  # anonymous: the public view, from the lane
        if r["status"] not in PUBLIC_STATUSES:
            assert lane.status_code == 404
            continue
        assert lane.status_code == 200, lane.text
        view = expected[str(r["id"])]
        # Rendered by PostgreSQL: the keys, values and JSON types of the Python view.
        assert typed(lane.json()) == typed(json.loads(orjson.dumps(view))), lane.text
        assert list(lane.json()) == list(view)
        assert lane.headers["etag"] == f'"v{r["version"]}-public"'
        route = await pg_api.client.get(path.replace("-", ""))  # not canonical: the route
        assert route.content == lane.content
        for what in ("email", "client", "org", "owner"):
            assert b"secret-" + what.encode() not in lane.content
        again = await pg_api.client.get(path, headers={"If-None-Match": lane.headers["etag"]})
        assert again.status_code == 304


async def test_public_list_pages_are_the_public_views_of_their_rows_in_order(
    pg_api: Any,
) -> None:
    engine = pg_api.app.state.runtime.engine
    _, expected = await _seed_mixed(pg_api)
    for sort, order in (("name", "name, id"), ("-updated_at", "updated_at DESC, id DESC")):
        async with engine.connect() as conn:
            ids = [
                str(i)
                for i in (
                    await conn.execute(
                        text(
                            "SELECT id FROM enterprises WHERE status IN "
                            f"('dissolved', 'suspended', 'verified') ORDER BY {order}"
                        )
                    )
                ).scalars()
            ]
        seen: list[str] = []
        cursor = ""
        while True:
            page = await pg_api.client.get(f"/v1/enterprises?sort={sort}&limit=17{cursor}")
            assert page.status_code == 200, page.text
            for item in page.json()["items"]:
                view = expected[item["id"]]
                assert typed(item) == typed(json.loads(orjson.dumps(view))), item
                assert list(item) == list(view)
                seen.append(item["id"])
            if page.json()["next_cursor"] is None:
                break
            cursor = f"&cursor={page.json()['next_cursor']}"
        assert seen == ids, sort
    # Relevance: the rendered page keeps the ranking's order, page after page.
    search = queries.Search(statuses=PUBLIC_STATUSES, q="enterprise", sort="relevance")
    for cursor_ in (None, encode_cursor({"s": "relevance", "o": 20})):
        async with engine.connect() as conn:
            plain, _ = await queries.search(conn, search, limit=20, cursor=cursor_)
            rendered, _ = await queries.search(
                conn, search, limit=20, cursor=cursor_, rendered=True
            )
        assert [r.id for r in rendered] == [r.id for r in plain]
        assert len(plain) == 20
        for r in rendered:
            assert json.loads(r.body) == json.loads(orjson.dumps(expected[str(r.id)]))


async def test_records_written_through_the_api_export_as_their_public_view(
    pg_api: Any, body: Any
) -> None:
    token = pg_api.tokens.council()
    registrar = pg_api.tokens.bearer(pg_api.tokens.registrar())
    identifiers = {
        LegalForm.CHARITABLE_INCORPORATED_ORGANISATION: {"scheme": "GB-CHC", "id": "1234567"},
        LegalForm.COMMUNITY_BENEFIT_SOCIETY: {"scheme": "GB-MPR", "id": "4321R"},
    }
    for n, form in enumerate(LegalForm):
        pg_api.clock.set(STAMPS[n % len(STAMPS)])
        identifier = (
            None
            if form in PRIVATE_ADDRESS_FORMS
            else identifiers.get(form, {"scheme": "GB-COH", "id": f"{n:08d}"})
        )
        payload = body(
            legal_form=form.value,
            identifier=identifier,
            name=f"{form.value} {AWKWARD[n % len(AWKWARD)] or 'plain'}",
            mission=AWKWARD[(n + 1) % len(AWKWARD)] or None,
            trading_income_pct=[0, 12.5, 100, None][n % 4],
            employees=EMPLOYEES[n % len(EMPLOYEES)],
            services=[{"name": "Only a name"}, {"name": "Drop-in", "areas": ["E05015200"]}],
        )
        created = await pg_api.client.post(
            "/v1/enterprises", json=payload, headers=pg_api.tokens.bearer(token)
        )
        assert created.status_code == 201, created.text
        pg_api.clock.advance(microseconds=250_000 * (n % 2))
        decided = await pg_api.client.post(
            f"/v1/enterprises/{created.json()['id']}/verification",
            json={"decision": "verified"},
            headers=registrar,
        )
        assert decided.status_code == 200, decided.text
    text_, (_, *records) = await export_lines(pg_api)
    expected = await public_views(pg_api.app.state.runtime.engine)
    assert len(records) == len(LegalForm)
    for line, view in zip(records, expected, strict=True):
        assert typed(json.loads(line)) == typed(json.loads(orjson.dumps(view))), line
        assert view["services"][0] == {
            "name": "Only a name",
            "description": None,
            "themes": [],
            "areas": [],
        }
    assert "hello@revoe" not in text_
    assert "250000.00" not in text_
    assert "1 Central Drive" in text_  # the public forms' address, never the private ones'
    assert text_.count("1 Central Drive") == len(LegalForm) - len(PRIVATE_ADDRESS_FORMS)


async def seed_many(engine: Any) -> int:
    """Enough public rows (~40 MB of lines) that the COPY cannot finish into socket buffers."""
    async with engine.begin() as conn:
        await conn.execute(insert(enterprises), [row(n) for n in range(100)])
        await conn.execute(
            text(
                "INSERT INTO enterprises (id, name, legal_form, status, mission, themes, "
                "areas_served, accreditations, services, services_text, address, created_at, "
                "updated_at, version) "
                "SELECT gen_random_uuid(), name, legal_form, 'verified', mission, themes, "
                "areas_served, accreditations, services, services_text, address, created_at, "
                "updated_at, version FROM enterprises, generate_series(1, 400)"
            )
        )
        query = text("SELECT count(*) FROM enterprises WHERE status = ANY(:public)")
        return int((await conn.execute(query, {"public": sorted(PUBLIC_STATUSES)})).scalar_one())


async def export_sessions(engine: Any) -> int:
    """Sessions still running the export's COPY or holding its transaction open.

    Asked on a connection of its own: one from the app's pool could be the export's, replaced.
    """
    url = engine.url.render_as_string(hide_password=False)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() "
                "AND (query LIKE 'COPY%' OR state LIKE 'idle in transaction%')"
            )
        )
    finally:
        await conn.close()


async def until_the_export_session_ends(engine: Any) -> None:
    for _ in range(100):
        if await export_sessions(engine) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the export's session is still open")


async def test_closing_the_lines_early_ends_the_copy_and_keeps_no_connection_in_a_transaction(
    pg_database_factory: Any,
) -> None:
    engine = create_engine(await pg_database_factory("registry_lines", prepare=upgrade))
    try:
        await seed_many(engine)
        used: list[Any] = []
        event.listen(engine.sync_engine.pool, "checkout", lambda dbapi, *_: used.append(dbapi))
        lines = public_lines(engine)
        first = await anext(lines)
        assert first.startswith(b'{"id":"')
        assert engine.pool.checkedout() == 1
        await lines.aclose()
        assert engine.pool.checkedout() == 0
        # Closed, not returned for reuse: mid-COPY it is still inside the export's transaction.
        assert [c.driver_connection.is_closed() for c in used] == [True]
        await until_the_export_session_ends(engine)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


def export_scope(spec_version: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
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


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_a_client_that_goes_away_mid_export_releases_the_connection_and_the_copy(
    pg_api: Any, spec_version: str
) -> None:
    engine = pg_api.app.state.runtime.engine
    public = await seed_many(engine)
    bodies: list[bytes] = []
    gone = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body":
            return
        if gone.is_set():
            if spec_version == "2.4":
                raise OSError("connection reset by peer")  # how ASGI 2.4 servers say it
            return  # before 2.4 servers drop what is sent after the disconnect
        bodies.append(message["body"])
        if len(bodies) == 3:  # the meta line and two chunks of records
            gone.set()
            await asyncio.sleep(0)

    held_before = engine.pool.checkedout()
    await asyncio.wait_for(
        _call_ignoring_disconnect(pg_api.app, export_scope(spec_version), receive, send), 30
    )
    assert len(bodies) == 3
    assert engine.pool.checkedout() == held_before
    await until_the_export_session_ends(engine)
    again = await pg_api.client.get(EXPORT)
    assert again.status_code == 200
    assert again.content.count(b"\n") == 1 + public


async def _call_ignoring_disconnect(app: Any, scope: Any, receive: Any, send: Any) -> None:
    with contextlib.suppress(ClientDisconnect):
        await app(scope, receive, send)


async def test_an_export_whose_copy_fails_midway_ends_unfinished_and_frees_its_connection(
    pg_api: Any,
) -> None:
    engine = pg_api.app.state.runtime.engine
    await seed_many(engine)
    bodies: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body":
            return
        bodies.append(message)
        if len(bodies) == 2:
            async with engine.connect() as conn:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE query LIKE 'COPY%' AND pid <> pg_backend_pid()"
                    )
                )

    held_before = engine.pool.checkedout()
    await asyncio.wait_for(pg_api.app(export_scope("2.4"), receive, send), 30)
    # Never the final empty chunk: the client sees a truncated response, not a short export.
    assert all(m.get("more_body") for m in bodies)
    assert engine.pool.checkedout() == held_before
    await until_the_export_session_ends(engine)
    assert (await pg_api.client.get(EXPORT)).status_code == 200
