"""Indicators use the registry's theme codes, as learned from registry.theme.v1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.ids import new_id
from streetlevel.outcomes.app import create_app
from streetlevel.outcomes.migrate import upgrade
from streetlevel.outcomes.settings import OutcomesSettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory

from ..support import BLACKPOOL_AREAS, THEMES, message, theme_event
from .conftest import Embedded


def indicator(themes: list[str]) -> dict[str, object]:
    return {
        "code": f"local.{new_id().hex[-10:]}",
        "name": "Street parties held",
        "description": "Street parties organised with residents.",
        "kind": "output",
        "unit": "count",
        "themes": themes,
    }


async def test_an_indicator_with_an_unknown_theme_is_refused_with_the_valid_codes(
    embedded: Embedded,
) -> None:
    council = embedded.tokens.bearer(embedded.tokens.council())
    refused = await embedded.client.post(
        "/v1/indicators", json=indicator(["community"]), headers=council
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["valid_themes"] == sorted(THEMES)
    assert problem["errors"][0]["loc"] == ["body", "themes"]
    made = await embedded.client.post(
        "/v1/indicators", json=indicator(["community-cohesion"]), headers=council
    )
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    await embedded.deliver(
        "registry.theme.v1", theme_event("environment", kind="retired", sequence=2)
    )
    patched = await embedded.client.patch(
        f"/v1/indicators/{code}",
        json={"themes": ["community-cohesion", "environment"]},
        headers=council,
    )
    assert patched.status_code == 422, "a retired code is not offered any more"


@pytest.mark.parametrize("who", ["anonymous", "council", "enterprise"])
async def test_an_unknown_theme_filter_is_refused_the_same_way_for_everyone(
    embedded: Embedded, who: str
) -> None:
    tokens = embedded.tokens
    headers = {
        "anonymous": {},
        "council": tokens.bearer(tokens.council()),
        "enterprise": tokens.bearer(tokens.enterprise(str(new_id()))),
    }[who]
    refused = await embedded.client.get(
        "/v1/indicators", params={"theme": "employment"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "theme"]
    assert refused.json()["errors"][0]["type"] == "unknown_theme"
    found = await embedded.client.get(
        "/v1/indicators", params={"theme": "employment-skills", "limit": 200}, headers=headers
    )
    codes = {i["code"] for i in found.json()["items"]}
    assert "jobs.local_hires" in codes
    assert all("employment-skills" in i["themes"] for i in found.json()["items"])


async def test_before_the_theme_list_arrives_a_themed_indicator_waits(
    tmp_path: Path, tokens: TokenFactory
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outcomes.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = OutcomesSettings(
        database_url=url, areas_file=str(BLACKPOOL_AREAS), counties_file=None
    )
    bus = MemoryBus()
    app = create_app(settings, memory_bus=bus, key_source=tokens.key_source())
    council = tokens.bearer(tokens.council())
    async with (
        LifespanManager(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client,
    ):
        waiting = await client.post("/v1/indicators", json=indicator(["food"]), headers=council)
        assert waiting.status_code == 503
        assert int(waiting.headers["retry-after"]) > 0
        untagged = await client.post("/v1/indicators", json=indicator([]), headers=council)
        assert untagged.status_code == 201, "an untagged indicator needs no vocabulary"
        await bus.publish([message("registry.theme.v1", "food", theme_event("food"))])
        made = await client.post("/v1/indicators", json=indicator(["food"]), headers=council)
        assert made.status_code == 201, made.text
