"""The registry owns the theme vocabulary: it publishes it once, and refuses unknown codes."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from streetlevel.registry.domain.themes import THEME_CODES, THEMES, Theme
from streetlevel.registry.service.themes import publish_themes


async def theme_messages(api: Any, count: int) -> list[dict[str, Any]]:
    """The registry.theme.v1 envelopes the relay has published (waits for ``count``)."""
    for _ in range(200):
        found = [m for m in api.bus.messages if m.topic == "registry.theme.v1"]
        if len(found) >= count:
            break
        await asyncio.sleep(0.02)
    return [orjson.loads(m.value) | {"_key": m.key} for m in found]


async def test_start_up_publishes_one_defined_event_per_theme_keyed_by_its_code(api: Any) -> None:
    events = await theme_messages(api, len(THEMES))
    assert sorted(e["data"]["code"] for e in events) == sorted(THEME_CODES)
    first = next(e for e in events if e["data"]["code"] == THEMES[0].code)
    assert first["type"] == "org.streetlevel.registry.theme.defined.v1"
    assert first["subject"] == f"theme/{THEMES[0].code}"
    assert first["_key"] == THEMES[0].code  # compaction keeps one record per code
    assert first["sequence"] == "1"
    assert first["data"] == {
        "code": THEMES[0].code,
        "name": THEMES[0].name,
        "description": THEMES[0].description,
    }


async def test_publishing_again_records_only_what_changed(api: Any) -> None:
    runtime = api.app.state.runtime
    assert await publish_themes(uow=runtime.uow()) == 0, "start-up already published the list"
    renamed = (Theme(THEMES[0].code, "Work and skills", THEMES[0].description), *THEMES[1:-1])
    assert await publish_themes(uow=runtime.uow(), themes=renamed) == 2
    events = await theme_messages(api, len(THEMES) + 2)
    later = events[len(THEMES) :]
    kinds = {e["data"]["code"]: (e["type"].rsplit(".", 2)[-2], e["sequence"]) for e in later}
    assert kinds == {THEMES[0].code: ("defined", "2"), THEMES[-1].code: ("retired", "2")}
    assert await publish_themes(uow=runtime.uow(), themes=renamed) == 0
    # Offered again: defined once more, with the next sequence (consumers keep the newest).
    assert await publish_themes(uow=runtime.uow(), themes=THEMES) == 2


@pytest.mark.parametrize("who", ["anonymous", "registrar", "council"])
async def test_an_unknown_theme_filter_is_refused_with_the_valid_codes_for_everyone(
    api: Any, who: str
) -> None:
    tokens = api.tokens
    headers = {
        "anonymous": {},
        "registrar": tokens.bearer(tokens.registrar()),
        "council": tokens.bearer(tokens.council()),
    }[who]
    refused = await api.client.get(
        "/v1/enterprises", params={"theme": "wellbeing"}, headers=headers
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/validation")
    assert problem["valid_themes"] == sorted(THEME_CODES)
    assert problem["errors"][0]["loc"] == ["query", "theme"]
    assert problem["errors"][0]["type"] == "unknown_theme"
    known = await api.client.get("/v1/enterprises", params={"theme": "food"}, headers=headers)
    assert known.status_code == 200


async def test_an_enterprise_with_an_unknown_theme_is_told_the_valid_codes(
    api: Any, body: Any
) -> None:
    tokens = api.tokens
    response = await api.client.post(
        "/v1/enterprises",
        json=body(themes=["wellbeing"]),
        headers=tokens.bearer(tokens.council()),
    )
    assert response.status_code == 422
    assert "valid codes: " + ", ".join(sorted(THEME_CODES)) in response.text
