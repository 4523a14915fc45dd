"""One theme vocabulary across the services: the promise an enterprise relies on to find work."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from .actors import Cast, new_client
from .api import Api, eventually
from .blackpool import BLACKPOOL, bound_token, commission_body

WARD = "E05015188"  # Bloomfield, Blackpool
OTHER_WARD = "E05015200"  # Squires Gate, Blackpool
THEME, OTHER_THEME = "food", "transport"


def _commission(now: datetime, title: str, theme: str, areas: list[str]) -> dict[str, Any]:
    body = commission_body(now, enquiry_s=3600, tender_s=7200)
    lot = {**body["lots"][0], "id": "lot-1", "areas": areas}
    return {**body, "title": title, "themes": [theme], "lots": [lot], "value": lot["value"]}


async def enterprise_finds_work_in_its_ward_and_theme(api: Api, cast: Cast, now: datetime) -> None:
    """An enterprise serving WARD in THEME finds exactly the open commissions it could win."""
    registry = {t["code"] for t in (await api.get("/v1/themes", expect=200)).json()["items"]}
    assert {THEME, OTHER_THEME} <= registry
    # Every service refuses a code outside the registry's list, with the same problem.
    for path in ("/v1/enterprises", "/v1/commissions", "/v1/indicators"):

        async def refused(path: str = path) -> dict[str, Any] | None:
            got = await api.get(path, params={"theme": "wellbeing"})
            return got.json() if got.status_code == 422 else None

        problem = await eventually(refused, within=60, what=f"{path} to know the themes")
        assert problem["type"].endswith("/validation")
        assert problem["valid_themes"] == sorted(registry), path
        assert problem["errors"][0]["type"] == "unknown_theme"
    tag = uuid.uuid4().hex[:8]
    body = {
        "name": f"Bloomfield Community Larder {tag}",
        "legal_form": "cic_limited_by_guarantee",
        "identifier": {"scheme": "GB-COH", "id": str(uuid.uuid4().int)[:8]},
        "mission": "Fresh food for families in Bloomfield",
        "themes": [THEME],
        "areas_served": [WARD],
        "employees": 5,
        "asset_lock": True,
        "independent": True,
        "trading_income_pct": 60,
        "profit_reinvested_pct": 100,
        "publishes_social_report": True,
    }
    larder = await new_client(api, cast.registrar, "enterprise", body["name"])
    record = (await api.post("/v1/enterprises", larder, json=body, expect=201)).json()
    larder.enterprise_id = record["id"]
    await bound_token(api, larder)
    await api.post(
        f"/v1/enterprises/{record['id']}/verification",
        cast.registrar,
        json={"decision": "verified"},
        expect=200,
    )
    refused = await api.post(
        "/v1/commissions",
        cast.blackpool,
        json=_commission(now, f"Not a theme {tag}", "wellbeing", [WARD]),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["valid_themes"] == sorted(registry)
    ids = {}
    for key, theme, areas in (
        ("in_lad", THEME, [BLACKPOOL]),  # a lot in an area containing the ward
        ("other_theme", OTHER_THEME, [WARD]),
        ("other_ward", THEME, [OTHER_WARD]),
    ):
        made = await api.post(
            "/v1/commissions",
            cast.blackpool,
            json=_commission(now, f"{key} {tag}", theme, areas),
            expect=201,
        )
        ids[key] = made.json()["id"]
        await api.post(f"/v1/commissions/{ids[key]}/publish", cast.blackpool, expect=200)

    async def found() -> list[str] | None:
        items = await api.items(
            "/v1/commissions", larder, eligible_for=record["id"], area=WARD, theme=THEME
        )
        seen = [c["id"] for c in items if c["id"] in ids.values()]
        return seen or None

    assert await eventually(found, within=60, what="the larder to find work") == [ids["in_lad"]]
    elsewhere = await api.items(
        "/v1/commissions", larder, eligible_for=record["id"], area=WARD, theme=OTHER_THEME
    )
    # The other theme's commission in the same ward is there: themes filter, they do not gate.
    assert [c["id"] for c in elsewhere if c["id"] in ids.values()] == [ids["other_theme"]]
