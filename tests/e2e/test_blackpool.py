"""Blackpool commissions youth employment support through the gateway, from tender to payment."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from streetlevel_e2e_harness.actors import Cast
from streetlevel_e2e_harness.api import Api, eventually
from streetlevel_e2e_harness.blackpool import (
    RATE,
    WARDS,
    Secrets,
    commission_body,
    money,
    register_enterprises,
    wait_eligible,
)

ENQUIRY_S, TENDER_S = 35.0, 45.0
LOT_A, LOT_B, LOT_C = (f"lot-{code}" for code in WARDS)
WARD_A = next(iter(WARDS))
LSOA_A1, LSOA_A2 = "E01012663", "E01012664"  # best fit in Anchorsholme


@pytest.mark.timeout(420)
async def test_blackpool_commissions_youth_employment_and_pays_by_results(
    gateway: Api, cast: Cast
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
    t0 = datetime.now(UTC)
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

    contract = await evaluate_and_award(api, cast, cid, bids)
    await deliver_and_pay(api, cast, contract)
    await cross_check(api, cid, ocid, contract, records)


async def evaluate_and_award(
    api: Api, cast: Cast, cid: str, bids: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The buyer unseals, scores, ranks and awards every lot; the winner's contract starts."""
    council, ent = cast.blackpool, cast.enterprises
    unsealed = await api.items(f"/v1/commissions/{cid}/bids", council)
    live = {b["id"]: b for b in unsealed if b["status"] != "withdrawn"}
    assert len(live) == 4, unsealed
    scores = {f"cic:{LOT_A}": (80, 70), f"coop:{LOT_A}": (75, 90), f"charity:{LOT_B}": (70, 60)}
    scores[f"sole:{LOT_C}"] = (65, 50)
    for key, (quality, social) in scores.items():
        await api.put(
            f"/v1/commissions/{cid}/bids/{bids[key]['id']}/score",
            council,
            json={"quality": quality, "social_value": social, "note": "panel score"},
            expect=200,
        )
    ranking = await api.get(f"/v1/commissions/{cid}/lots/{LOT_A}/ranking", council, expect=200)
    ranked = ranking.json()["items"]
    assert [r["bid_id"] for r in ranked] == [
        bids[f"cic:{LOT_A}"]["id"],
        bids[f"coop:{LOT_A}"]["id"],
    ]
    assert ranked[0]["price_score"] == "100"
    assert ranked[0]["total"] == "86"
    contracts = {}
    for lot in (LOT_A, LOT_B, LOT_C):
        award = await api.post(f"/v1/commissions/{cid}/lots/{lot}/award", council, expect=201)
        contracts[lot] = award.json()
        assert award.headers["location"].endswith(award.json()["id"])
    assert contracts[LOT_A]["supplier"]["enterprise_id"] == ent["cic"].enterprise_id
    assert contracts[LOT_A]["value"] == money("35000.00")
    assert contracts[LOT_C]["supplier"]["enterprise_id"] == ent["sole"].enterprise_id
    public_ranking = await api.get(f"/v1/commissions/{cid}/lots/{LOT_A}/ranking", expect=200)
    assert "proposal" not in public_ranking.text
    commission = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
    assert commission["status"] == "awarded"
    contract = contracts[LOT_A]
    activated = await api.post(f"/v1/contracts/{contract['id']}/activate", council, expect=200)
    assert activated.json()["status"] == "active"
    return activated.json()


async def deliver_and_pay(api: Api, cast: Cast, contract: dict[str, Any]) -> None:
    council = cast.blackpool
    supplier = next(
        a
        for a in cast.enterprises.values()
        if a.enterprise_id == contract["supplier"]["enterprise_id"]
    )

    async def plan() -> dict[str, Any] | None:
        found = await api.items("/v1/plans", council, contract_id=contract["id"])
        return found[0] if found else None

    the_plan = await eventually(plan, within=60, what="the outcomes plan")
    assert {i["code"] for i in the_plan["indicators"]} == set(RATE)
    start = date.fromisoformat(contract["period"]["start"][:10])
    period = {"start": start.isoformat(), "end": (start + timedelta(days=29)).isoformat()}
    reported = []
    for code, area, value in (
        ("jobs.local_hires", LSOA_A1, "12"),
        ("jobs.local_hires", LSOA_A2, "3"),
        ("skills.qualifications", WARD_A, "20"),
    ):
        body = {
            "plan_id": the_plan["id"],
            "indicator_code": code,
            "period": period,
            "area": area,
            "value": value,
            "evidence": "signed starter forms",
        }
        obs = await api.post("/v1/observations", supplier, json=body, expect=201)
        assert obs.json()["status"] == "reported"
        reported.append(obs.json())
    for obs in reported:
        verified = await api.post(
            f"/v1/observations/{obs['id']}/verification",
            council,
            json={"decision": "verified", "note": "evidence seen"},
            expect=200,
        )
        assert verified.json()["status"] == "verified"

    # Payment by results: one line per verified observation, priced by the rate card.
    async def paid() -> dict[str, Any] | None:
        got = await api.get(f"/v1/contracts/{contract['id']}/payments", council, expect=200)
        return got.json() if len(got.json().get("lines") or []) == 3 else None

    ledger = await eventually(paid, within=60, what="three payment lines")
    assert ledger["total"] == money("9000.00")
    amounts = sorted(line["amount"]["amount"] for line in ledger["lines"])
    assert amounts == ["1200.00", "3000.00", "4800.00"]
    supplier_view = await api.get(f"/v1/contracts/{contract['id']}/payments", supplier, expect=200)
    assert len(supplier_view.json()["lines"]) == 3
    public_pay = (await api.get(f"/v1/contracts/{contract['id']}/payments", expect=200)).json()
    assert public_pay["total"] == money("9000.00")
    assert not public_pay.get("lines"), "the public sees totals per period only"

    # Progress, SROI and the ward report, with disclosure control for the public.
    base = f"/v1/reports/contracts/{contract['id']}"
    own = (await api.get(f"{base}/progress", council, expect=200)).json()
    public = (await api.get(f"{base}/progress", expect=200)).json()
    assert own["disclosure_control"] is False
    assert public["disclosure_control"] is True
    hires = next(o for o in public["outcomes"] if o["indicator_code"] == "jobs.local_hires")
    assert hires["verified"] == {"value": "15", "suppressed": False}
    assert hires["percent_of_target"] == "50.0"
    sroi = (await api.get(f"{base}/social-value", expect=200)).json()
    # 15 × £3,500 + 20 × £1,200 = £76,500 over one year at 3.5 %: PV £73,913.04.
    assert sroi["total_present_value"] == money("73913.04")
    assert sroi["sroi_ratio"] == "2.11"
    ward = (await api.get(f"/v1/reports/areas/{WARD_A}", expect=200)).json()
    assert "best-fit" in ward["note"]
    rows = next(i for i in ward["indicators"] if i["indicator_code"] == "jobs.local_hires")
    by_area = {r["area"]: r for r in rows["areas"]}
    assert {LSOA_A1, LSOA_A2, WARD_A} <= set(by_area)
    figures = [p for r in rows["areas"] for p in [*r["periods"], r["total"]]]
    for figure in figures:
        if figure["suppressed"]:
            assert figure["value"] is None
        else:  # never 1-4, always rounded to 5 (this stack may hold earlier reports too)
            assert int(figure["value"]) % 5 == 0
            assert int(figure["value"]) >= 15
    assert "'value': '3'" not in str(ward)


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
    positions = [e["position"] for e in feed]
    assert positions == sorted(set(positions)), "the feed is gapless-ordered and never repeats"
    ours = [e for e in feed if e["subject"] in (f"commission/{cid}", f"contract/{contract['id']}")]
    kinds = [e["type"].removeprefix("org.streetlevel.commissioning.") for e in ours]
    assert kinds[:2] == ["commission.published.v1", "commission.closed.v1"], kinds
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
    registered = {
        e["subject"] for e in feed if e["type"].endswith("registry.enterprise.verified.v1")
    }
    assert {f"enterprise/{r['id']}" for r in records.values()} <= registered
