"""The embedded demo leaves one Blackpool commission at each Procurement Act stage."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest

from streetlevel.commissioning.demo_stages import CONFLICTED_MEMBER, LOT, PANEL
from streetlevel.commissioning.domain.procurement.working_days import WorkingDayCalendar
from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager

UK = ZoneInfo("Europe/London")


async def _token(http: httpx2.AsyncClient, client: dict[str, str]) -> dict[str, str]:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _notice_types(http: httpx2.AsyncClient, cid: str, expected: list[str]) -> list[str]:
    """The commission's published notice types, once the consumer has published them."""
    found: list[str] = []
    for _ in range(200):
        listed = await http.get("/v1/notices", params={"commission_id": cid})
        assert listed.status_code == 200
        found = sorted(n["notice_type"] for n in listed.json()["items"])
        if found == expected:
            break
        await asyncio.sleep(0.05)
    return found


async def _get(http: httpx2.AsyncClient, url: str, auth: dict[str, str] | None = None) -> Any:
    response = await http.get(url, headers=auth or {})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.timeout(300)
async def test_the_demo_shows_a_commission_at_each_procurement_act_stage(
    settings_for, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("STREETLEVEL_AREAS_FILE", raising=False)
    settings = settings_for()
    app = create_app(settings, demo=True)
    async with LifespanManager(app, startup_timeout=180):
        demo = json.loads((settings.data_dir / "demo-clients.json").read_text())
        stages: dict[str, str] = demo["commissions"]
        enterprises = {e["enterprise_id"]: e for e in demo["enterprises"]}
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
            council = await _token(http, demo["clients"]["council"])

            # Open for bids: its UK4 tender notice is published.
            opened = await _get(http, f"/v1/commissions/{stages['open']}")
            assert opened["status"] == "open"
            assert await _notice_types(http, stages["open"], ["UK4"]) == ["UK4"]

            # In evaluation: a named panel, one member conflicted from one bid (and refused
            # when they try to score it), independent scores, a moderated score.
            evaluating = await _get(http, f"/v1/commissions/{stages['evaluation']}")
            assert evaluating["status"] == "evaluation"
            assert evaluating["procurement"]["classification"] == "regulated_below_threshold"
            assert await _notice_types(http, stages["evaluation"], ["UK4"]) == ["UK4"]
            panel_url = f"/v1/commissions/{stages['evaluation']}/lots/{LOT}/panel"
            panel = await _get(http, panel_url, council)
            assert [m["name"] for m in panel["members"]] == [m["name"] for m in PANEL]
            conflicts = [d for d in panel["declarations"] if d["conflicted"]]
            assert [d["member_id"] for d in conflicts] == [CONFLICTED_MEMBER]
            blocked = conflicts[0]["bidder_id"]
            assert len(panel["bidders"]) == 2
            assert blocked in panel["bidders"]
            assert not [
                s
                for s in panel["scores"]
                if (s["member_id"], s["bidder_id"]) == (CONFLICTED_MEMBER, blocked)
            ]
            assert {s["member_id"] for s in panel["scores"]} == {m["id"] for m in PANEL}
            assert panel["moderation_started_at"]
            assert len(panel["moderated"]) >= 1
            refused = await http.put(
                f"{panel_url}/scores",
                headers=council,
                json={
                    "member_id": CONFLICTED_MEMBER,
                    "bidder_id": blocked,
                    "criterion": "quality",
                    "score": 50,
                    "reason": "should not be possible",
                },
            )
            # Moderation has started, so every independent score is fixed (checked first).
            assert refused.status_code == 409
            assert refused.json()["rule"] == "scores_fixed"
            assessment = panel["conflicts_assessment"]
            assert [(a["member_id"], a["bidder_id"]) for a in assessment] == [
                (CONFLICTED_MEMBER, blocked)
            ]
            assert "excluded from seeing, scoring" in assessment[0]["mitigation"]

            # In standstill: UK6 published today, summaries delivered, 8 working days ahead.
            held = await _get(http, f"/v1/commissions/{stages['standstill']}")
            assert held["procurement"]["classification"] == "above_threshold"
            assert await _notice_types(http, stages["standstill"], ["UK4", "UK6"]) == [
                "UK4",
                "UK6",
            ]
            contract = await _get(http, f"/v1/contracts/{stages['standstill_contract']}")
            ends = datetime.fromisoformat(contract["standstill_end"]).astimezone(UK)
            today = datetime.now(UK).date()
            assert ends.date() > today
            calendar = WorkingDayCalendar("england")
            assert calendar.working_days_between(today, ends.date() - timedelta(days=1)) == 8
            during = await http.post(f"/v1/contracts/{contract['id']}/activate", headers=council)
            assert during.status_code == 409
            assert during.json()["rule"] == "standstill"
            for bidder in panel["bidders"]:
                own = await _token(http, enterprises[bidder])
                summary = await _get(
                    http,
                    f"/v1/commissions/{stages['standstill']}/lots/{LOT}/summaries/{bidder}",
                    own,
                )
                assert summary["winner_id"] == contract["supplier"]["enterprise_id"]

            # Awarded, its contract entered into after the standstill, its UK7 published.
            entered = await _get(http, f"/v1/commissions/{stages['entered']}")
            assert entered["status"] == "awarded"
            assert await _notice_types(http, stages["entered"], ["UK4", "UK6", "UK7"]) == [
                "UK4",
                "UK6",
                "UK7",
            ]
            signed = await _get(http, f"/v1/contracts/{stages['entered_contract']}")
            assert signed["status"] in ("pending", "active")

            # The public site shows each stage's commission.
            for key in ("open", "evaluation", "standstill", "entered"):
                page = await http.get(f"/commissions/{stages[key]}")
                assert page.status_code == 200, key
                assert "text/html" in page.headers["content-type"]
            seeded = sorted(c["id"] for c in (await _get(http, "/v1/commissions"))["items"])
    printed = capsys.readouterr().out
    assert "Procurement Act stages" in printed
    assert f"/commissions/{stages['standstill']}" in printed

    # A restart on the same data dir keeps the demo: nothing is seeded twice.
    again = create_app(settings, demo=True)
    async with LifespanManager(again, startup_timeout=180):
        transport = httpx2.ASGITransport(app=again)
        async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
            listed = (await _get(http, "/v1/commissions"))["items"]
            assert sorted(c["id"] for c in listed) == seeded
            assert await _notice_types(http, stages["entered"], ["UK4", "UK6", "UK7"]) == [
                "UK4",
                "UK6",
                "UK7",
            ]
    assert json.loads((settings.data_dir / "demo-clients.json").read_text()) == demo
