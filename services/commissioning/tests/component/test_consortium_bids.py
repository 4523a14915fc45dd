"""Consortium bids: shares, members' confirmations, sealing, binding, award, contract and OCDS."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from streetlevel.common.ids import new_id

from .test_ocds import assert_clean
from .test_private_notices import _notices, _of

MICRO_GRANT = {"procedure": "micro_grant"}


def shares(lead: str, *members: tuple[str, str]) -> dict[str, Any]:
    return {
        "lead_share": {"work_pct": lead, "value_pct": lead},
        "members": [{"enterprise_id": e, "work_pct": p, "value_pct": p} for e, p in members],
    }


async def setup(h: Any, **eligibility: Any) -> dict[str, Any]:
    """A published micro-grant commission and five verified enterprises by role."""
    ids = {name: str(new_id()) for name in ("lead", "m1", "m2", "rival", "outsider")}
    for name, e in ids.items():
        await h.enterprise(h.record(e, f"{name.title()} CIC"))
    rules = {"verified_only": True, "must_serve_area": True, **eligibility}
    body = h.body(h.clock.now(), eligibility=rules, **MICRO_GRANT)
    c = (await h.client.post("/v1/commissions", json=body, headers=h.council())).json()
    await h.client.post(f"/v1/commissions/{c['id']}/publish", headers=h.council())
    later = dict(c["timeline"], tender_end=c["timeline"]["award_by"])
    await h.client.patch(
        f"/v1/commissions/{c['id']}", json={"timeline": later}, headers=h.council()
    )
    return {"c": c, **ids}


async def bid(h: Any, w: dict[str, Any], who: str, consortium: dict[str, Any] | None) -> Any:
    body: dict[str, Any] = {"lot_id": "lot-1", "price": {"amount": "5000.00"}, "proposal": who}
    if consortium is not None:
        body["consortium"] = consortium
    return await h.client.post(
        f"/v1/commissions/{w['c']['id']}/bids", json=body, headers=h.bidder(w[who])
    )


def confirm_path(w: dict[str, Any], bid_id: str, member: str) -> str:
    return f"/v1/commissions/{w['c']['id']}/bids/{bid_id}/members/{member}/confirmation"


async def test_shares_must_sum_to_100_with_the_lead(harness: Any) -> None:
    h = harness
    w = await setup(h)
    r = await bid(h, w, "lead", shares("50", (w["m1"], "30"), (w["m2"], "30")))
    assert r.status_code == 422
    msgs = [e["msg"] for e in r.json()["errors"]]
    assert "work shares must sum to 100 %, the lead's included" in msgs
    r = await bid(h, w, "lead", shares("40", (w["lead"], "60")))
    assert r.status_code == 422


async def test_a_consortium_is_eligible_as_the_commission_defines_it(harness: Any) -> None:
    h = harness
    w = await setup(h, max_size="micro")
    await h.enterprise(h.record(w["m2"], "M2 CIC", status="pending"), kind="updated")
    await h.enterprise(h.record(w["m1"], "M1 Ltd", size="medium"), kind="updated")
    r = await bid(h, w, "lead", shares("40", (w["m1"], "30"), (w["m2"], "30")))
    assert r.status_code == 422
    rules = [u["rule"] for u in r.json()["unmet"]]
    assert rules == ["consortium.member.max_size", "consortium.every_member_verified"]
    assert w["m2"] in r.json()["unmet"][1]["reason"]


async def test_a_commission_may_refuse_consortia(harness: Any) -> None:
    h = harness
    w = await setup(h, consortium={"allowed": False})
    r = await bid(h, w, "lead", shares("50", (w["m1"], "50")))
    assert r.status_code == 422
    assert [u["rule"] for u in r.json()["unmet"]] == ["consortium.allowed"]
    assert (await bid(h, w, "lead", None)).status_code == 201


async def test_members_see_their_bid_read_only_and_nobody_else_sees_it(harness: Any) -> None:
    h = harness
    w = await setup(h)
    made = await bid(h, w, "lead", shares("40", (w["m1"], "30"), (w["m2"], "30")))
    assert made.status_code == 201
    b = made.json()
    assert [m["confirmed"] for m in b["consortium"]["members"]] == [False, False]
    assert b["consortium"]["members"][0]["name"] == "M1 CIC"
    rival = await bid(h, w, "rival", None)
    path = f"/v1/commissions/{w['c']['id']}/bids/{b['id']}"
    got = await h.client.get(path, headers=h.bidder(w["m1"]))
    assert got.status_code == 200
    assert got.json()["proposal"] == "lead"
    assert got.json()["consortium"]["lead_share"] == {"work_pct": "40", "value_pct": "40"}
    for stranger in (h.bidder(w["outsider"]), h.bidder(w["rival"]), h.council(), {}):
        assert (await h.client.get(path, headers=stranger)).status_code in (401, 404)
    listed = await h.client.get(f"/v1/commissions/{w['c']['id']}/bids", headers=h.bidder(w["m1"]))
    assert [i["id"] for i in listed.json()["items"]] == [b["id"]]
    rival_path = f"/v1/commissions/{w['c']['id']}/bids/{rival.json()['id']}"
    assert (await h.client.get(rival_path, headers=h.bidder(w["m1"]))).status_code == 404
    # Read-only: a member neither revises nor withdraws the lead's bid.
    patch = await h.client.patch(path, json={"proposal": "mine"}, headers=h.bidder(w["m1"]))
    assert patch.status_code == 404
    gone = await h.client.post(f"{path}/withdrawal", headers=h.bidder(w["m1"]))
    assert gone.status_code == 404


async def test_each_member_confirms_its_own_part_only(harness: Any) -> None:
    h = harness
    w = await setup(h)
    b = (await bid(h, w, "lead", shares("40", (w["m1"], "30"), (w["m2"], "30")))).json()
    mine = confirm_path(w, b["id"], w["m1"])
    assert (await h.client.post(mine, headers=h.bidder(w["m2"]))).status_code == 403
    assert (await h.client.post(mine, headers=h.bidder(w["lead"]))).status_code == 403
    assert (await h.client.post(mine, headers=h.council())).status_code == 403
    assert (await h.client.post(mine)).status_code == 401
    theirs = confirm_path(w, b["id"], w["outsider"])
    assert (await h.client.post(theirs, headers=h.bidder(w["outsider"]))).status_code == 404
    ok = await h.client.post(mine, headers=h.bidder(w["m1"]))
    assert ok.status_code == 200
    assert [m["confirmed"] for m in ok.json()["consortium"]["members"]] == [True, False]
    again = await h.client.post(mine, headers=h.bidder(w["m1"]))
    assert again.status_code == 200
    assert again.json()["version"] == ok.json()["version"]
    # A new price withdraws every confirmation: members confirmed a share of the old one.
    path = f"/v1/commissions/{w['c']['id']}/bids/{b['id']}"
    revised = await h.client.patch(
        path, json={"price": {"amount": "4500.00"}}, headers=h.bidder(w["lead"])
    )
    assert [m["confirmed"] for m in revised.json()["consortium"]["members"]] == [False, False]


async def test_an_enterprise_is_in_one_competing_bid_per_lot(harness: Any) -> None:
    h = harness
    w = await setup(h)
    b = (await bid(h, w, "lead", shares("40", (w["m1"], "30"), (w["m2"], "30")))).json()
    await h.client.post(confirm_path(w, b["id"], w["m1"]), headers=h.bidder(w["m1"]))
    # A confirmed member cannot lead a rival bid; the lead cannot bid again.
    assert (await bid(h, w, "m1", None)).status_code == 409
    assert (await bid(h, w, "lead", None)).status_code == 409
    # An unconfirmed member may bid alone, and then cannot confirm the consortium's bid.
    assert (await bid(h, w, "m2", None)).status_code == 201
    late = await h.client.post(confirm_path(w, b["id"], w["m2"]), headers=h.bidder(w["m2"]))
    assert late.status_code == 409
    # The rival naming a confirmed member learns nothing at submission; the member refuses.
    r = (await bid(h, w, "rival", shares("50", (w["m1"], "50")))).json()
    refused = await h.client.post(confirm_path(w, r["id"], w["m1"]), headers=h.bidder(w["m1"]))
    assert refused.status_code == 409


async def test_an_unconfirmed_consortium_is_not_counted_at_the_deadline(harness: Any) -> None:
    h = harness
    w = await setup(h)
    b = (await bid(h, w, "lead", shares("40", (w["m1"], "30"), (w["m2"], "30")))).json()
    await h.client.post(confirm_path(w, b["id"], w["m1"]), headers=h.bidder(w["m1"]))
    h.clock.advance(days=21)
    await h.run_due_jobs()
    path = f"/v1/commissions/{w['c']['id']}/bids/{b['id']}"
    got = (await h.client.get(path, headers=h.bidder(w["lead"]))).json()
    assert got["status"] == "disqualified"
    assert "consortium.confirmed" in got["disqualified_reason"]
    assert w["m2"] in got["disqualified_reason"]
    late = await h.client.post(confirm_path(w, b["id"], w["m2"]), headers=h.bidder(w["m2"]))
    assert late.status_code == 409


async def test_a_consortium_wins_its_lead_is_supplier_and_members_subcontract(
    harness: Any, kit: Any, tmp_path: Path
) -> None:
    h = harness
    w = await setup(h)
    b = (await bid(h, w, "lead", shares("40", (w["m1"], "35"), (w["m2"], "25")))).json()
    for m in ("m1", "m2"):
        await h.client.post(confirm_path(w, b["id"], w[m]), headers=h.bidder(w[m]))
    h.clock.advance(days=21)
    await h.run_due_jobs()
    c = w["c"]["id"]
    scored = await h.client.put(
        f"/v1/commissions/{c}/bids/{b['id']}/score",
        json={"quality": 80, "social_value": 80},
        headers=h.council(),
    )
    assert scored.json()["consortium"]["members"][0]["confirmed"] is True
    k = (await h.client.post(f"/v1/commissions/{c}/lots/lot-1/award", headers=h.council())).json()
    assert k["supplier"]["enterprise_id"] == w["lead"]
    # Each party of the consortium is told its own bid's outcome (one deadline notice first).
    outcomes = _of(await _notices(h, 4), "bid.outcome_decided")
    assert {e.model_extra["audience"]: e.data["outcome"] for e in outcomes} == {
        f"enterprise:{w[x]}": "awarded" for x in ("lead", "m1", "m2")
    }
    # Shares visible to a member; the exact ledger stays the buyer's and the lead's (paid).
    seen = (await h.client.get(f"/v1/contracts/{k['id']}", headers=h.bidder(w["m1"]))).json()
    assert seen["consortium"]["lead_share"] == {"work_pct": "40", "value_pct": "40"}
    assert [(m["name"], m["value_pct"]) for m in seen["consortium"]["members"]] == [
        ("M1 CIC", "35"),
        ("M2 CIC", "25"),
    ]
    assert seen["paid_total_exact"] is False
    lead = (await h.client.get(f"/v1/contracts/{k['id']}", headers=h.bidder(w["lead"]))).json()
    assert lead["paid_total_exact"] is True
    created = next(
        e for e in await h.published() if e.type.endswith("commissioning.contract.created.v1")
    )
    assert created.data["supplier"]["enterprise_id"] == w["lead"]
    assert [m["enterprise_id"] for m in created.data["consortium"]["members"]] == [
        w["m1"],
        w["m2"],
    ]
    assert created.data["consortium"]["members"][1]["value_share_pct"] == "25"
    package = (await h.client.get("/v1/ocds/releases")).json()
    last = package["releases"][-1]
    roles = {p["name"]: p["roles"] for p in last["parties"]}
    assert roles["Lead CIC"] == ["tenderer", "supplier"]
    assert roles["M1 CIC"] == ["subcontractor"]
    assert roles["M2 CIC"] == ["subcontractor"]
    [award] = last["awards"]
    assert award["suppliers"][0]["name"] == "Lead CIC"
    assert award["hasSubcontracting"] is True
    assert award["subcontracting"]["maximumPercentage"] == 0.6
    assert len(award["subcontracting"]["subcontracts"]) == 2
    assert_clean(await asyncio.to_thread(kit.validate_ocds, package, tmp_path))
