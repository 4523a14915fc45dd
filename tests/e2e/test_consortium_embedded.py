"""A three-member consortium bids, wins and is paid, on the embedded platform (issue 20, item 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from streetlevel_e2e_harness.api import eventually
from streetlevel_e2e_harness.blackpool import (
    commission_body,
    money,
    wait_eligible,
)
from streetlevel_e2e_harness.contract import check_feed_against_published_schemas
from streetlevel_e2e_harness.embedded import embedded_story
from streetlevel_e2e_harness.story import DELIVERY, LOT_A, deliver_and_pay

TENDER_S = 20.0


def consortium(members: dict[str, str]) -> dict[str, Any]:
    return {
        "lead_share": {"work_pct": "40", "value_pct": "40"},
        "members": [
            {"enterprise_id": e, "work_pct": pct, "value_pct": pct} for e, pct in members.items()
        ],
    }


@pytest.mark.timeout(240)
async def test_a_three_member_consortium_bids_wins_and_its_lead_is_paid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with embedded_story(tmp_path, monkeypatch, client_ip="198.51.100.9") as story:
        app, api, cast = story.app, story.api, story.cast
        secrets, records, ent = story.secrets, story.records, story.cast.enterprises
        council = cast.blackpool
        body = commission_body(datetime.now(UTC), enquiry_s=TENDER_S - 5, tender_s=TENDER_S)
        made = await api.post("/v1/commissions", council, json=body, expect=201)
        cid = made.json()["id"]
        await api.post(f"/v1/commissions/{cid}/publish", council, expect=200)
        for key in ("cic", "coop", "charity"):
            await wait_eligible(api, ent[key], cid, within=30)
        lead, m1, m2 = (ent[k] for k in ("cic", "coop", "charity"))
        members = {m1.enterprise_id: "35", m2.enterprise_id: "25"}
        bid = (
            await api.post(
                f"/v1/commissions/{cid}/bids",
                lead,
                json={
                    "lot_id": LOT_A,
                    "price": money("35000.00"),
                    "proposal": "Three neighbours, one plan",
                    "consortium": consortium(members),
                },
                expect=201,
            )
        ).json()
        path = f"/v1/commissions/{cid}/bids/{bid['id']}"
        # Sealed to everyone but the consortium: a rival and the buyer see nothing yet.
        await api.get(path, ent["sole"], expect=404)
        await api.get(path, council, expect=404)
        for member in (m1, m2):
            await api.post(
                f"{path}/members/{member.enterprise_id}/confirmation",
                m2 if member is m1 else m1,
                expect=403,
            )
            confirmed = await api.post(
                f"{path}/members/{member.enterprise_id}/confirmation", member, expect=200
            )
        assert all(m["confirmed"] for m in confirmed.json()["consortium"]["members"])
        # A confirmed member is in one competing bid per lot.
        await api.post(
            f"/v1/commissions/{cid}/bids",
            m1,
            json={"lot_id": LOT_A, "price": money("30000.00"), "proposal": "alone"},
            expect=409,
        )

        async def closed() -> bool:
            got = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
            return got["status"] == "evaluation"

        await eventually(closed, within=TENDER_S + 30, what="the tender to close")
        unsealed = (await api.get(path, council, expect=200)).json()
        assert unsealed["status"] == "submitted"
        await api.put(
            f"{path}/score",
            council,
            json={"quality": 80, "social_value": 70, "note": "panel score"},
            expect=200,
        )
        award = await api.post(f"/v1/commissions/{cid}/lots/{LOT_A}/award", council, expect=201)
        contract = award.json()
        assert contract["supplier"]["enterprise_id"] == lead.enterprise_id
        assert contract["value"] == money("35000.00")
        await api.post(f"/v1/contracts/{contract['id']}/activate", council, expect=200)
        start = datetime.fromisoformat(contract["period"]["start"])
        app.service_clock.travel_to(start + DELIVERY)

        async def active() -> dict[str, Any] | None:
            got = await api.get(f"/v1/contracts/{contract['id']}", council, expect=200)
            return got.json() if got.json()["status"] == "active" else None

        contract = await eventually(active, within=60, what="the contract to start")
        # Paid by results: the lead reports and is paid (deliver_and_pay checks the ledger).
        await deliver_and_pay(api, cast, contract)
        seen = (await api.get(f"/v1/contracts/{contract['id']}", m1, expect=200)).json()
        assert seen["consortium"]["lead_share"] == {"work_pct": "40", "value_pct": "40"}
        assert {m["enterprise_id"]: m["value_pct"] for m in seen["consortium"]["members"]} == (
            members
        )
        assert seen["paid_total_exact"] is False
        member_pay = await api.get(f"/v1/contracts/{contract['id']}/payments", m1, expect=200)
        assert not member_pay.json().get("lines"), "payments are the lead's: none to members"
        package = (await api.get("/v1/ocds/releases", expect=200)).json()
        last = package["releases"][-1]
        roles = {p["name"]: p["roles"] for p in last["parties"]}
        assert "subcontractor" in roles[records["coop"]["name"]]
        assert "subcontractor" in roles[records["charity"]["name"]]
        assert "supplier" in roles[records["cic"]["name"]]
        feed = await api.items("/v1/events", limit=200)
        created = [e for e in feed if e["type"].endswith("contract.created.v1")]
        assert created[0]["data"]["consortium"]["members"][0]["enterprise_id"] == (m1.enterprise_id)
        for value in secrets.values():
            assert value not in json.dumps(feed)
        checked = await check_feed_against_published_schemas(api, feed)
        assert "commissioning.contract.created.v1" in checked
