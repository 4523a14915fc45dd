"""Commissions use the registry's theme codes, as learned from registry.theme.v1."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx2
import pytest

from streetlevel.commissioning import migrate
from streetlevel.commissioning.app import create_app
from streetlevel.common.ids import new_id
from streetlevel.testing.lifespan import LifespanManager


async def test_a_commission_with_an_unknown_theme_is_refused_with_the_valid_codes(
    harness: Any, kit: Any
) -> None:
    h = harness
    body = h.body(h.clock.now(), themes=["wellbeing"])
    refused = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/validation")
    assert problem["valid_themes"] == sorted(kit.themes)
    assert problem["errors"] == [
        {
            "loc": ["body", "themes"],
            "msg": f"unknown theme 'wellbeing'; valid codes: {', '.join(sorted(kit.themes))}",
            "type": "unknown_theme",
        }
    ]
    made = await h.client.post(
        "/v1/commissions", json=h.body(h.clock.now(), themes=["youth"]), headers=h.council()
    )
    assert made.status_code == 201, made.text


async def test_a_draft_cannot_be_patched_or_published_with_a_retired_theme(harness: Any) -> None:
    h = harness
    made = (
        await h.client.post(
            "/v1/commissions", json=h.body(h.clock.now(), themes=["food"]), headers=h.council()
        )
    ).json()
    url = f"/v1/commissions/{made['id']}"
    patched = await h.client.patch(url, json={"themes": ["transport"]}, headers=h.council())
    assert patched.status_code == 422
    await h.themes("food", kind="retired")
    refused = await h.client.post(f"{url}/publish", headers=h.council())
    assert refused.status_code == 422
    assert "food" not in refused.json()["valid_themes"]


@pytest.mark.parametrize("who", ["anonymous", "council", "enterprise"])
async def test_an_unknown_theme_filter_is_refused_the_same_way_for_everyone(
    harness: Any, who: str
) -> None:
    h = harness
    headers = {
        "anonymous": {},
        "council": h.council(),
        "enterprise": h.bidder(str(new_id())),
    }[who]
    refused = await h.client.get("/v1/commissions", params={"theme": "wellbeing"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "theme"]
    assert "health-wellbeing" in refused.json()["valid_themes"]
    known = await h.client.get("/v1/commissions", params={"theme": "youth"}, headers=headers)
    assert known.status_code == 200


async def test_an_enterprise_finds_the_commission_in_its_ward_and_theme_only(
    harness: Any, kit: Any
) -> None:
    h = harness
    e = str(new_id())
    ward = kit.wards[0]
    await h.enterprise(h.record(e, "Anchorsholme Larder CIC", areas_served=[ward], themes=["food"]))
    ids = {}
    for theme in ("food", "youth"):
        made = (
            await h.client.post(
                "/v1/commissions",
                json=h.body(h.clock.now(), title=f"Lots in {theme}", themes=[theme]),
                headers=h.council(),
            )
        ).json()
        await h.client.post(f"/v1/commissions/{made['id']}/publish", headers=h.council())
        ids[theme] = made["id"]
    params = {"eligible_for": e, "area": ward, "theme": "food"}
    found = (await h.client.get("/v1/commissions", params=params)).json()["items"]
    assert [c["id"] for c in found if c["id"] in ids.values()] == [ids["food"]]
    params["theme"] = "youth"
    other = (await h.client.get("/v1/commissions", params=params)).json()["items"]
    assert ids["food"] not in [c["id"] for c in other]


async def test_before_the_theme_list_arrives_themed_writes_and_filters_wait(
    tmp_path: Path, kit: Any, tokens: Any
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    app = create_app(kit.settings_for(url), key_source=tokens.key_source())
    council = tokens.bearer(tokens.council())
    async with (
        LifespanManager(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client,
    ):
        body = kit.commission_body(kit.start)
        waiting = await client.post("/v1/commissions", json=body, headers=council)
        assert waiting.status_code == 503
        assert waiting.json()["type"].endswith("/upstream-unavailable")
        assert int(waiting.headers["retry-after"]) > 0
        filtered = await client.get("/v1/commissions", params={"theme": "youth"})
        assert filtered.status_code == 503
        assert (await client.get("/v1/commissions")).status_code == 200
