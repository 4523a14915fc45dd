"""Every notice the lifecycle emits: rendered, valid in the UK profile, listed and queued."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from streetlevel.common.ids import new_id

NOTICE = "commissioning.notice.published.v1"


def commission_body(h: Any, net: str, days: int) -> dict[str, Any]:
    """Two lots of ``net`` each, no reservations, a CPV code and a ``days``-day tender."""
    now = h.clock.now()
    body = h.body(now, eligibility={"verified_only": True}, cpv_codes=["85311000-2"])
    for lot in body["lots"]:
        lot["value"] = {"amount": net, "currency": "GBP"}
    body["value"] = {"amount": f"{Decimal(net) * 2:.2f}", "currency": "GBP"}
    body["timeline"] |= {
        "tender_end": (now + timedelta(days=days)).isoformat(),
        "award_by": (now + timedelta(days=days + 10)).isoformat(),
        "contract_start": (now + timedelta(days=days + 30)).isoformat(),
    }
    return body


async def emitted(h: Any, cid: str) -> list[tuple[str, str]]:
    """(notice type, notice id) of every NoticePublished for the commission, in order."""
    return [
        (e.data["notice_type"], e.data["notice_id"])
        for e in await h.published()
        if e.short_type == NOTICE and e.data["commission_id"] == cid
    ]


async def run_cycle(
    h: Any, panel_award: Callable[..., Any], *, net: str, days: int
) -> tuple[str, str]:
    """Publish, two bids, the deadline, a panel award, standstill, contract: (cid, contract)."""
    a, b = str(new_id()), str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Friends CIC"))
    await h.enterprise(h.record(b, "Bispham Co-op", legal_form="cooperative_society"))
    r = await h.client.post(
        "/v1/commissions", json=commission_body(h, net, days), headers=h.council()
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    for who, price in ((a, "30000.00"), (b, "28000.00")):
        bid = await h.client.post(
            f"/v1/commissions/{cid}/bids",
            json={"lot_id": "lot-1", "price": {"amount": price}, "proposal": "Our plan"},
            headers=h.bidder(who),
        )
        assert bid.status_code == 201, bid.text
    h.clock.advance(days=days + 1)
    await h.run_due_jobs()
    contract = await panel_award(h, cid, {a: 80, b: 60}, conflicted=("m2", b))
    assert contract["supplier"]["enterprise_id"] == a
    url = f"/v1/contracts/{contract['id']}"
    if contract.get("standstill_end"):
        h.clock.set(h.clock.now() + timedelta(days=20))
    entered = await h.client.post(f"{url}/activate", headers=h.council())
    assert entered.status_code == 200, entered.text
    return cid, contract["id"]


async def check_notices(
    h: Any, cid: str, expected: list[str], validate_uk: Callable[..., Any]
) -> list[dict[str, Any]]:
    """The emitted notices are listed, queued for the council and valid in the UK profile."""
    sent = await emitted(h, cid)
    assert [t for t, _ in sent] == expected
    listed = (await h.client.get("/v1/notices", params={"commission_id": cid})).json()["items"]
    assert sorted(n["id"] for n in listed) == sorted(i for _, i in sent)
    queue = (await h.client.get("/v1/notice-submissions", headers=h.council())).json()["items"]
    queued = {s["id"]: s for s in queue}
    for code, nid in sent:
        assert queued[nid]["notice_type"] == code
        assert queued[nid]["status"] == "queued"
    by_id = {n["id"]: n for n in listed}
    for code, nid in sent:
        release = by_id[nid]["release"]
        docs = [
            d
            for section in (release.get("tender", {}), *release.get("awards", []))
            for d in section.get("documents", [])
        ] + [d for c in release.get("contracts", []) for d in c.get("documents", [])]
        assert [d["noticeType"] for d in docs] == [code]
        assert release["tender"]["items"][0]["classification"] == {
            "scheme": "CPV",
            "id": "85311000",
        }
        buyer = next(p for p in release["parties"] if "buyer" in p["roles"])
        assert buyer["identifier"]["scheme"] == "GB-LAE"
    ocid = listed[0]["release"]["ocid"]
    package = (await h.client.get("/v1/ocds/releases", params={"ocid": ocid})).json()
    assert {i for _, i in sent} <= {r["id"].rsplit("-notice-", 1)[-1] for r in package["releases"]}
    report, invalid = validate_uk(package)
    assert report["validation_errors"] == []
    assert not report.get("additional_fields")
    assert invalid == {}
    return [by_id[i]["release"] for _, i in sent]


async def test_an_above_threshold_cycle_emits_uk4_uk6_uk7_uk10_uk11_all_valid(
    harness: Any, panel_award: Callable[..., Any], validate_uk: Callable[..., Any]
) -> None:
    h = harness
    cid, contract_id = await run_cycle(h, panel_award, net="100000.00", days=30)
    url = f"/v1/contracts/{contract_id}"
    change = {
        "description": "Add Norbreck to the service area",
        "reason": "Demand from the neighbouring ward",
        "value": {"amount": "36000.00"},
        "ground": "unforeseeable",
    }
    r = await h.client.post(f"{url}/changes", json=change, headers=h.council())
    assert (r.status_code, r.json()["notice_type"]) == (201, "UK10"), r.text
    r = await h.client.post(f"{url}/termination", json={"reason": "Merged"}, headers=h.council())
    assert (r.status_code, r.json()["notice_type"]) == (201, "UK11"), r.text
    releases = await check_notices(h, cid, ["UK4", "UK6", "UK7", "UK10", "UK11"], validate_uk)
    uk4, uk6, uk7, uk10, uk11 = releases
    assert uk4["tender"]["aboveThreshold"] is True
    assert "otherRequirements" not in uk4["tender"]  # "none" reserved is no reservation
    award = uk6["awards"][0]
    assert award["id"] == f"award-{contract_id}" == uk7["contracts"][0]["awardID"]
    assert award["relatedLots"] == ["lot-1"]
    assert award["assessmentSummariesDateSent"]
    assert award["standstillPeriod"]["endDate"]
    assert uk7["contracts"][0]["id"] == contract_id == uk10["contracts"][0]["id"]
    assert uk11["contracts"][0]["status"] == "terminated"
    assert "Our plan" not in str(releases)
    assert "evidence" not in str(releases)  # panel reasons stay private


async def test_a_cancelled_above_threshold_procurement_emits_a_valid_uk12(
    harness: Any, validate_uk: Callable[..., Any]
) -> None:
    h = harness
    r = await h.client.post(
        "/v1/commissions", json=commission_body(h, "100000.00", 30), headers=h.council()
    )
    cid = r.json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    r = await h.client.post(
        f"/v1/commissions/{cid}/cancel", json={"reason": "Budget withdrawn"}, headers=h.council()
    )
    assert r.status_code == 200, r.text
    _, uk12 = await check_notices(h, cid, ["UK4", "UK12"], validate_uk)
    assert uk12["tender"]["status"] == "cancelled"
    assert [lot["status"] for lot in uk12["tender"]["lots"]] == ["cancelled", "cancelled"]


async def test_a_regulated_below_threshold_cycle_emits_a_valid_uk4_and_uk7(
    harness: Any, panel_award: Callable[..., Any], validate_uk: Callable[..., Any]
) -> None:
    h = harness
    cid, _ = await run_cycle(h, panel_award, net="40000.00", days=14)
    uk4, uk7 = await check_notices(h, cid, ["UK4", "UK7"], validate_uk)
    assert uk4["tender"]["aboveThreshold"] is False
    assert uk7["contracts"][0]["aboveThreshold"] is False


async def test_a_direct_award_publishes_its_uk5_at_the_award_then_uk6_and_uk7(
    harness: Any, panel_award: Callable[..., Any], validate_uk: Callable[..., Any]
) -> None:
    h = harness
    a = str(new_id())
    await h.enterprise(h.record(a, "Anchorsholme Friends CIC"))
    body = commission_body(h, "100000.00", 30) | {
        "procedure": "direct_award",
        "direct_award": {
            "ground": "user_choice",
            "justification": "The residents chose the provider that already supports them.",
        },
    }
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    assert await emitted(h, cid) == []  # no tender notice: the UK5 waits for the supplier
    bid = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "90000.00"}, "proposal": "Our plan"},
        headers=h.bidder(a),
    )
    assert bid.status_code == 201, bid.text
    h.clock.advance(days=31)
    await h.run_due_jobs()
    contract = await panel_award(h, cid, {a: 70})
    h.clock.set(h.clock.now() + timedelta(days=20))
    url = f"/v1/contracts/{contract['id']}/activate"
    assert (await h.client.post(url, headers=h.council())).status_code == 200
    uk5, uk6, _ = await check_notices(h, cid, ["UK5", "UK6", "UK7"], validate_uk)
    assert uk5["tender"]["procurementMethod"] == "direct"
    assert "residents chose" in uk5["tender"]["procurementMethodRationale"]
    assert uk5["awards"][0]["suppliers"] == uk6["awards"][0]["suppliers"]


async def test_a_consortium_award_names_its_members_as_subcontractors_in_uk6_and_uk7(
    harness: Any, panel_award: Callable[..., Any], validate_uk: Callable[..., Any]
) -> None:
    h = harness
    lead, member = str(new_id()), str(new_id())
    await h.enterprise(h.record(lead, "Anchorsholme Friends CIC"))
    await h.enterprise(h.record(member, "Norbreck Neighbours CIC"))
    body = commission_body(h, "100000.00", 30) | {
        "procedure": "direct_award",
        "direct_award": {
            "ground": "user_choice",
            "justification": "The residents chose the providers that already support them.",
        },
    }
    cid = (await h.client.post("/v1/commissions", json=body, headers=h.council())).json()["id"]
    assert (await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())).is_success
    consortium = {
        "lead_share": {"work_pct": "60", "value_pct": "60"},
        "members": [{"enterprise_id": member, "work_pct": "40", "value_pct": "40"}],
    }
    bid = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={
            "lot_id": "lot-1",
            "price": {"amount": "90000.00"},
            "proposal": "Our plan",
            "consortium": consortium,
        },
        headers=h.bidder(lead),
    )
    assert bid.status_code == 201, bid.text
    confirm = f"/v1/commissions/{cid}/bids/{bid.json()['id']}/members/{member}/confirmation"
    assert (await h.client.post(confirm, headers=h.bidder(member))).status_code == 200
    h.clock.advance(days=31)
    await h.run_due_jobs()
    contract = await panel_award(h, cid, {lead: 70})
    assert contract["consortium"]["members"][0]["enterprise_id"] == member
    # The assessment summary is the consortium's: its lead's and its members', nobody else's.
    summary = f"/v1/commissions/{cid}/lots/lot-1/summaries/{lead}"
    stranger = str(new_id())
    assert (await h.client.get(summary, headers=h.bidder(member))).status_code == 200
    assert (await h.client.get(summary, headers=h.bidder(lead))).status_code == 200
    assert (await h.client.get(summary, headers=h.bidder(stranger))).status_code == 403
    h.clock.set(h.clock.now() + timedelta(days=20))
    url = f"/v1/contracts/{contract['id']}/activate"
    assert (await h.client.post(url, headers=h.council())).status_code == 200
    _, uk6, uk7 = await check_notices(h, cid, ["UK5", "UK6", "UK7"], validate_uk)
    for release in (uk6, uk7):
        roles = {p["name"]: p["roles"] for p in release["parties"]}
        assert roles["Anchorsholme Friends CIC"] == ["supplier"]
        assert roles["Norbreck Neighbours CIC"] == ["subcontractor"]
        [award] = release["awards"]
        assert award["hasSubcontracting"] is True
        [sub] = award["subcontracting"]["subcontracts"]
        assert sub["subcontractor"]["name"] == "Norbreck Neighbours CIC"
        assert sub["mainContractors"] == award["suppliers"]
