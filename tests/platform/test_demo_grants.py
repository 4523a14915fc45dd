"""The embedded demo's ward micro-grant round: a residents' vote, grants paid upfront, a report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest

from streetlevel.commissioning.demo_grants import (
    APPLICATIONS,
    GRANT_WARDS,
    PROGRAMME,
    REPORTED,
    TURNOUT,
)
from streetlevel.platform.embedded import create_app
from streetlevel.testing.giving360 import validator_360
from streetlevel.testing.lifespan import LifespanManager

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())


errors_360 = validator_360(ROOT.parent / "shared" / "standards" / "360giving")


async def _get(http: httpx2.AsyncClient, url: str, **params: Any) -> Any:
    response = await http.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.timeout(300)
async def test_the_demo_leaves_a_ward_grant_round_decided_by_vote_paid_and_reported(
    settings_for, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("STREETLEVEL_AREAS_FILE", raising=False)
    settings = settings_for()
    app = create_app(settings, demo=True)
    async with LifespanManager(app, startup_timeout=180):
        seeded = json.loads((settings.data_dir / "demo-clients.json").read_text())["grants"]
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
            today = datetime.now(UTC)
            programme = await _get(http, f"/v1/grant-programmes/{seeded['programme']}")
            assert programme["title"] == PROGRAMME["title"]
            assert programme["areas"] == list(GRANT_WARDS)
            assert programme["status"] == "closed"
            assert programme["council"]["name"] == "Blackpool Council"
            awarded = {n: a for n, a in APPLICATIONS.items() if a[5]}
            committed = sum(Decimal(a[0]) for a in awarded.values())
            assert Decimal(programme["committed"]["amount"]) == committed

            decisions = (await _get(http, f"/v1/grant-programmes/{seeded['programme']}/decisions"))[
                "items"
            ]
            assert len(decisions) == 1
            vote = decisions[0]
            assert vote["method"] == "residents_vote"
            assert vote["turnout"] == TURNOUT
            assert datetime.fromisoformat(vote["decided_at"]) <= today
            results = {r["applicant_name"]: r for r in vote["results"]}
            assert set(results) == set(APPLICATIONS)
            for name, (_, _, _, votes_for, votes_against, won) in APPLICATIONS.items():
                assert results[name]["result"] == ("awarded" if won else "declined")
                assert results[name]["votes"] == {"for": votes_for, "against": votes_against}

            grants = (await _get(http, "/v1/grants", programme_id=seeded["programme"]))["items"]
            assert {g["recipient"]["name"] for g in grants} == set(awarded) == set(seeded["grants"])
            for grant in grants:
                assert grant["payment"] == "upfront"
                assert grant["paid_total"] == grant["amount"]
                (instalment,) = grant["instalments"]
                assert instalment["paid_on"] == grant["awarded_on"]
                assert "reference" not in instalment or instalment["reference"] is None
                assert date.fromisoformat(instalment["paid_on"]) <= today.date()
                if grant["recipient"]["name"] == REPORTED:
                    assert grant["status"] == "reported"
                    assert grant["report"]["people_reached"] > 0
                    assert datetime.fromisoformat(grant["report"]["reported_at"]) <= today
                else:
                    assert grant["status"] == "paid"

            package = await _get(http, "/v1/grants/360giving")
            assert len(package["grants"]) == len(awarded)
            assert errors_360(package) == []

            # The applicants' contacts are for the council alone: nowhere in public.
            public = [
                json.dumps(await _get(http, "/v1/grants")),
                json.dumps(package),
            ]
            cursor = None
            for _ in range(50):  # the whole change feed, page by page
                feed = await _get(
                    http, "/v1/events", limit=200, **({"cursor": cursor} if cursor else {})
                )
                public.append(json.dumps(feed))
                if len(feed["items"]) < 200 or not feed.get("next_cursor"):
                    break
                cursor = feed["next_cursor"]
            assert "commissioning.grant.awarded.v1" in "".join(public)
            html = {"Accept": "text/html"}
            for ward in GRANT_WARDS:
                page = await http.get(f"/areas/{ward}", headers=html)
                assert page.status_code == 200
                assert PROGRAMME["title"] in page.text
                public.append(page.text)
            assert not any("the secretary of" in text for text in public)
    printed = capsys.readouterr().out
    assert "Ward micro-grants (outside procurement" in printed
    assert f"/areas/{GRANT_WARDS[1]}" in printed
    assert "/v1/grants/360giving" in printed
