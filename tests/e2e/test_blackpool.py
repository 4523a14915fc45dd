"""Blackpool commissions youth employment support through the gateway, from tender to payment."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from streetlevel_e2e_harness.actors import Cast
from streetlevel_e2e_harness.api import Api, eventually
from streetlevel_e2e_harness.blackpool import (
    Secrets,
    commission_body,
    money,
    register_enterprises,
    wait_eligible,
)
from streetlevel_e2e_harness.contract import check_feed_against_published_schemas
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.story import LOT_A, LOT_B, LOT_C, deliver_and_pay, evaluate_and_award

ENQUIRY_S, TENDER_S = 35.0, 45.0


@pytest.mark.timeout(420)
async def test_blackpool_commissions_youth_employment_and_pays_by_results(
    gateway: Api, cast: Cast, platform: Platform
) -> None:
    api, council, registrar = gateway, cast.blackpool, cast.registrar
    secrets = Secrets()

    # Four enterprises and one would-be bidder register; the registrar verifies them.
    records = await register_enterprises(api, cast, secrets)
    ent = cast.enterprises
    for key, record in records.items():
        anonymous = await api.get(f"/v1/enterprises/{record['id']}")
        assert anonymous.status_code == 404, "a pending enterprise is not public"
        own = await api.get(f"/v1/enterprises/{record['id']}", ent[key], expect=200)
        assert own.json()["contact"]["email"] in secrets.emails
        verified = await api.post(
            f"/v1/enterprises/{record['id']}/verification",
            registrar,
            json={"decision": "verified", "note": "checked against the register"},
            expect=200,
        )
        assert verified.json()["status"] == "verified"
        public = (await api.get(f"/v1/enterprises/{record['id']}", expect=200)).json()
        assert "contact" not in public or public["contact"] is None
        assert "annual_turnover" not in public or public["annual_turnover"] is None
    sole_public = (await api.get(f"/v1/enterprises/{records['sole']['id']}")).json()
    assert not sole_public.get("address"), "a sole trader's home address is never public"

    # Blackpool commissions three wards on an outcomes rate card, and publishes.
    t0 = platform.now()
    body = commission_body(t0, enquiry_s=ENQUIRY_S, tender_s=TENDER_S)
    created = await api.post("/v1/commissions", council, json=body, expect=201)
    commission = created.json()
    cid = commission["id"]
    assert commission["status"] == "draft"
    assert (await api.get(f"/v1/commissions/{cid}")).status_code == 404, "drafts are private"
    published = await api.post(f"/v1/commissions/{cid}/publish", council, expect=200)
    assert published.json()["status"] == "open"
    ocid = published.json()["ocid"]
    for key in ("cic", "coop", "charity", "sole"):
        await wait_eligible(api, ent[key], cid)

    # The ineligible company is refused with every unmet rule.
    refused = await api.post(
        f"/v1/commissions/{cid}/bids",
        ent["ineligible"],
        json={"lot_id": LOT_A, "price": money("30000.00"), "proposal": "We do everything"},
        expect=422,
    )
    problem = refused.json()
    assert problem["type"].endswith("/ineligible"), problem
    unmet = " ".join(str(u) for u in problem["unmet"]).lower()
    for rule in ("legal", "size", "area"):
        assert rule in unmet, problem

    # A question asked and answered; the answer is public, the asker is not.
    question = await api.post(
        f"/v1/commissions/{cid}/questions",
        ent["coop"],
        json={"text": "Can a co-operative bid for more than one ward?"},
        expect=201,
    )
    qid = question.json()["id"]
    await api.post(
        f"/v1/commissions/{cid}/questions/{qid}/answer",
        council,
        json={"answer": "Yes, one bid per ward."},
        expect=200,
    )
    public_questions = await api.items(f"/v1/commissions/{cid}/questions")
    assert [q["answer"] for q in public_questions] == ["Yes, one bid per ward."]
    assert ent["coop"].enterprise_id not in str(public_questions)

    # Bids: submitted, one revised, one withdrawn.
    def bid(lot: str, price: str, who: str) -> dict[str, Any]:
        proposal = f"SEALED proposal {who} {lot} {time.time_ns()}"
        secrets.proposals.append(proposal)
        return {
            "lot_id": lot,
            "price": money(price),
            "proposal": proposal,
            "social_value_commitments": [{"indicator_code": "jobs.local_hires", "quantity": 5}],
        }

    bids: dict[str, dict[str, Any]] = {}
    for who, lot, price in (
        ("cic", LOT_A, "36000.00"),
        ("coop", LOT_A, "38000.00"),
        ("coop", LOT_B, "39000.00"),
        ("charity", LOT_B, "37500.00"),
        ("sole", LOT_C, "22000.00"),
    ):
        resp = await api.post(f"/v1/commissions/{cid}/bids", ent[who], json=bid(lot, price, who))
        assert resp.status_code == 201, resp.text
        bids[f"{who}:{lot}"] = resp.json()
    cic_bid = bids[f"cic:{LOT_A}"]["id"]
    revised = await api.patch(
        f"/v1/commissions/{cid}/bids/{cic_bid}",
        ent["cic"],
        json={"price": money("35000.00")},
        expect=200,
    )
    assert revised.json()["price"] == money("35000.00")
    withdrawn = await api.post(
        f"/v1/commissions/{cid}/bids/{bids[f'coop:{LOT_B}']['id']}/withdrawal",
        ent["coop"],
        expect=200,
    )
    assert withdrawn.json()["status"] == "withdrawn"
    # Sealed: neither the buyer nor a rival sees a bid before the deadline.
    assert (await api.get(f"/v1/commissions/{cid}/bids/{cic_bid}", council)).status_code in (
        403,
        404,
    )
    assert (await api.get(f"/v1/commissions/{cid}/bids/{cic_bid}", ent["coop"])).status_code in (
        403,
        404,
    )

    # The deadline passes: the scheduler closes the tender; late bids are refused.
    async def closed() -> bool:
        got = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
        return got["status"] == "evaluation"

    await eventually(closed, within=TENDER_S + 60, what="the tender to close")
    late = await api.post(
        f"/v1/commissions/{cid}/bids/{cic_bid}", ent["cic"], json={"price": money("1.00")}
    )
    assert late.status_code in (404, 405, 409), late.text
    late = await api.patch(
        f"/v1/commissions/{cid}/bids/{cic_bid}", ent["cic"], json={"price": money("1.00")}
    )
    assert late.status_code == 409, late.text
    assert late.json()["type"].endswith("/deadline-passed"), late.text

    async def time_passes(when: datetime) -> None:
        await asyncio.to_thread(platform.travel_to, when)

    contract = await evaluate_and_award(api, cast, cid, bids, time_passes)
    await deliver_and_pay(api, cast, contract)
    await cross_check(api, cid, ocid, contract, records)


async def cross_check(
    api: Api, cid: str, ocid: str, contract: dict[str, Any], records: dict[str, Any]
) -> None:
    """OCDS, the HSDS export and the change feed tell the same story as the API."""
    winner_id, winner_name = contract["supplier"]["enterprise_id"], contract["supplier"]["name"]
    assert winner_id == records["cic"]["id"]

    package = (await api.get(f"/v1/ocds/records/{ocid}", expect=200)).json()
    assert package["license"].endswith("open-government-licence/version/3/")
    record = package["records"][0]
    assert record["ocid"] == ocid
    tags = {t for release in record["releases"] for t in release["tag"]}
    assert {"tender", "award", "contract"} <= tags, tags
    compiled = record["compiledRelease"]
    assert compiled["tender"]["id"] == cid
    award = next(a for a in compiled["awards"] if a["relatedLots"] == [LOT_A])
    assert award["suppliers"][0]["name"] == winner_name
    assert Decimal(str(award["value"]["amount"])) == Decimal("35000.00")
    ocds_contract = next(c for c in compiled["contracts"] if c["id"] == contract["id"])
    assert ocds_contract["status"] == "active"
    assert ocds_contract["awardID"] == award["id"]
    paid = sum(
        Decimal(str(t["value"]["amount"])) for t in ocds_contract["implementation"]["transactions"]
    )
    assert paid == Decimal("9000.00")
    organisation_id = award["suppliers"][0]["id"]
    assert records["cic"]["identifier"]["id"] in organisation_id

    hsds = (await api.get("/v1/enterprises/export", params={"format": "hsds"}, expect=200)).json()
    listed = {o["id"]: o for o in hsds["contents"]}
    for key in ("cic", "coop", "charity", "sole"):
        assert listed[records[key]["id"]]["name"] == records[key]["name"]
    assert (
        listed[winner_id]["organization_identifiers"][0]["identifier"]
        == (records["cic"]["identifier"]["id"])
    )

    feed = await api.items("/v1/events", limit=200)
    positions = [int(e["position"]) for e in feed]
    assert positions == sorted(set(positions)), "the feed is gapless-ordered and never repeats"
    ours = [e for e in feed if e["subject"] in (f"commission/{cid}", f"contract/{contract['id']}")]
    kinds = [e["type"].removeprefix("org.streetlevel.commissioning.") for e in ours]
    # £144,000 with VAT: a notifiable below-threshold contract, so a UK4 then a UK7 (s.87).
    notices = [e["data"]["notice_type"] for e in ours if e["type"].endswith("notice.published.v1")]
    assert notices[:1] == ["UK4"], notices
    kinds = [k for k in kinds if k != "notice.published.v1"]
    assert kinds[:3] == [
        "commission.published.v1",
        "question.answered.v1",
        "commission.closed.v1",
    ], kinds
    assert kinds.count("lot.awarded.v1") == 3
    assert kinds.index("contract.created.v1") < kinds.index("contract.activated.v1")
    assert kinds.index("contract.activated.v1") < kinds.index("contract.payments_updated.v1")
    awarded = next(
        e for e in ours if e["type"].endswith("lot.awarded.v1") and e["data"]["lot_id"] == LOT_A
    )
    assert awarded["data"]["contract_id"] == contract["id"]
    assert awarded["data"]["supplier"] == {"enterprise_id": winner_id, "name": winner_name}
    assert awarded["data"]["price"] == money("35000.00")
    published = next(e for e in ours if e["type"].endswith("commission.published.v1"))
    assert (
        published["data"]["commission"]["id"] == cid if "commission" in published["data"] else True
    )
    last_payment = [e for e in ours if e["type"].endswith("payments_updated.v1")][-1]
    assert "9000.00" in json.dumps(last_payment["data"])
    # Disclosure control: 12 + 3 local hires (sensitive) at £400 are public only as 10 → 15
    # people; no event or OCDS figure is 12 × £400 or 3 × £400, directly or by differencing.
    payments = [e["data"] for e in ours if e["type"].endswith("payments_updated.v1")]
    figures = [Decimal(p["amount"]["amount"]) for d in payments for p in d["periods"]]
    figures += [Decimal(d["total"]["amount"]) for d in payments]
    figures += [
        Decimal(str(t["value"]["amount"]))
        for release in record["releases"]
        for c in release.get("contracts", [])
        for t in c.get("implementation", {}).get("transactions", [])
        if t["value"]["amount"] is not None
    ]
    derived = {abs(a - b) for a in figures for b in figures} | set(figures)
    assert not derived & {Decimal("1200.00"), Decimal("4800.00")}, sorted(figures)
    registered = {
        e["subject"] for e in feed if e["type"].endswith("registry.enterprise.verified.v1")
    }
    assert {f"enterprise/{r['id']}" for r in records.values()} <= registered
    # A partner council mirrors the answers too; the asker is never in the event.
    answered = [e for e in ours if e["type"].endswith("question.answered.v1")]
    assert [e["data"]["answer"] for e in answered] == ["Yes, one bid per ward."]
    assert all(records[k]["id"] not in json.dumps(answered) for k in records)
    checked = await check_feed_against_published_schemas(api, feed)
    assert {"commissioning.question.answered.v1", "commissioning.lot.awarded.v1"} <= checked
