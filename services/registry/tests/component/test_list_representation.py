"""The register list: each item is the record as its GET shows it, from the view's columns only."""

from __future__ import annotations

import json
from typing import Any

from streetlevel.registry.adapters.read import queries
from streetlevel.registry.adapters.read.views import FULL_COLUMNS, PUBLIC_COLUMNS
from streetlevel.registry.domain.model import PUBLIC_STATUSES

PRIVATE = ("contact", "annual_turnover", "registered_by_client", "registered_by_org")


async def _verified(api: Any, body: Any, **overrides: Any) -> str:
    council = api.tokens.bearer(api.tokens.council())
    created = await api.client.post("/v1/enterprises", json=body(**overrides), headers=council)
    assert created.status_code == 201, created.text
    enterprise_id = str(created.json()["id"])
    decided = await api.client.post(
        f"/v1/enterprises/{enterprise_id}/verification",
        json={"decision": "verified"},
        headers=api.tokens.bearer(api.tokens.registrar()),
    )
    assert decided.status_code == 200, decided.text
    return enterprise_id


async def test_a_list_item_is_the_record_as_its_get_shows_it_to_the_same_caller(api, body) -> None:
    enterprise_id = await _verified(
        api, body, name="Café Ōmega – Kitchen 🍲", trading_income_pct=12.345
    )
    registrar = api.tokens.bearer(api.tokens.registrar())
    for headers in ({}, registrar):
        for query in (
            "",
            "?q=kitchen",
            "?q=kitchen&theme=food&area=E06000009",
            "?sort=-updated_at",
        ):
            listed = await api.client.get(f"/v1/enterprises{query}", headers=headers)
            assert listed.status_code == 200, listed.text
            one = await api.client.get(f"/v1/enterprises/{enterprise_id}", headers=headers)
            assert listed.json()["items"] == [one.json()]
    public = (await api.client.get("/v1/enterprises")).json()["items"][0]
    assert not set(PRIVATE) & set(public)
    assert set(PRIVATE) <= set(
        (await api.client.get("/v1/enterprises", headers=registrar)).json()["items"][0]
    )


async def test_the_list_is_the_compact_utf8_json_it_always_was(api, body) -> None:
    await _verified(api, body, name="Café Ōmega – Kitchen 🍲", mission='Quotes " and \\ too')
    listed = await api.client.get("/v1/enterprises?q=kitchen&limit=1")
    assert listed.headers["content-type"] == "application/json"
    assert int(listed.headers["content-length"]) == len(listed.content)
    # What Starlette's JSONResponse sent: stdlib json, no ASCII escapes, no spaces.
    assert listed.content == json.dumps(
        listed.json(), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


async def test_a_public_page_reads_no_private_column(api, body) -> None:
    await _verified(api, body)
    search = queries.Search(statuses=set(PUBLIC_STATUSES), sort="name")
    async with api.app.state.runtime.engine.connect() as conn:
        public, _ = await queries.search(conn, search, limit=10, cursor=None)
        full, _ = await queries.search(conn, search, limit=10, cursor=None, columns=FULL_COLUMNS)
    assert set(public[0]._fields) == set(PUBLIC_COLUMNS)
    assert set(full[0]._fields) == set(FULL_COLUMNS)


def test_area_codes_go_from_the_largest_areas_to_the_smallest() -> None:
    codes = {"E01012726", "E05015200", "E06000009", "E10000017", "E01012662", "E05015186"}
    assert queries.coarse_first(codes) == [
        "E10000017",
        "E06000009",
        "E05015186",
        "E05015200",
        "E01012662",
        "E01012726",
    ]
