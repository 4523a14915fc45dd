"""Money a micro social enterprise can live on, on the native stack (issue 20, "Done when").

Fylde Borough Council pays a blended contract on schedule and by outcomes (one invoice disputed
and resolved, one paid late and counted in its UK8 figures), pays a three-member consortium's
lead, and runs a ward grant round decided by a residents' vote, paid upfront through the
payables ledger (counted in the report's grants block, not in UK8), published as 360Giving.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from streetlevel_e2e_harness.actors import Cast
from streetlevel_e2e_harness.api import Actor, Api, eventually
from streetlevel_e2e_harness.blackpool import Secrets, money, register_enterprises, wait_eligible
from streetlevel_e2e_harness.money import (
    FYLDE,
    LOT_1,
    LOT_2,
    WARD_1,
    WARD_2,
    blended_commission,
    payables,
    payables_when,
    performance,
    period_of,
    validator_360,
    verified_report,
)
from streetlevel_e2e_harness.platform import Platform

TENDER_S = 20.0


def rows(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(p["basis"], p["amount"], p["status"]) for p in items]


async def pay(api: Api, council: Actor, payable: str, reference: str) -> dict[str, Any]:
    got = await api.post(
        f"/v1/payables/{payable}/pay", council, json={"reference": reference}, expect=200
    )
    return dict(got.json())


async def award_both_lots(
    api: Api, platform: Platform, cast: Cast, council: Actor
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The CIC bids alone for lot 1; the charity leads a consortium for lot 2; both win."""
    ent = cast.enterprises
    cid = (
        await api.post(
            "/v1/commissions",
            council,
            json=blended_commission(platform.now(), TENDER_S),
            expect=201,
        )
    ).json()["id"]
    await api.post(f"/v1/commissions/{cid}/publish", council, expect=200)
    for key in ("cic", "charity", "coop", "sole"):
        await wait_eligible(api, ent[key], cid)
    solo = await api.post(
        f"/v1/commissions/{cid}/bids",
        ent["cic"],
        json={"lot_id": LOT_1, "price": money("10000.00"), "proposal": "Visits"},
        expect=201,
    )
    lead, m1, m2 = ent["charity"], ent["coop"], ent["sole"]
    assert m1.enterprise_id
    assert m2.enterprise_id
    shares = {m1.enterprise_id: "35", m2.enterprise_id: "25"}
    joint = {
        "lead_share": {"work_pct": "40", "value_pct": "40"},
        "members": [
            {"enterprise_id": e, "work_pct": pct, "value_pct": pct} for e, pct in shares.items()
        ],
    }
    bid = (
        await api.post(
            f"/v1/commissions/{cid}/bids",
            lead,
            json={
                "lot_id": LOT_2,
                "price": money("10000.00"),
                "proposal": "Three neighbours",
                "consortium": joint,
            },
            expect=201,
        )
    ).json()
    path = f"/v1/commissions/{cid}/bids/{bid['id']}"
    await api.get(path, ent["cic"], expect=404)  # sealed to a rival
    await api.post(f"{path}/members/{m1.enterprise_id}/confirmation", m2, expect=403)
    for member in (m1, m2):
        confirmed = await api.post(
            f"{path}/members/{member.enterprise_id}/confirmation", member, expect=200
        )
    assert all(m["confirmed"] for m in confirmed.json()["consortium"]["members"])

    async def closed() -> bool:
        got = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
        return bool(got["status"] == "evaluation")

    await eventually(closed, within=TENDER_S + 60, what="the tender to close")
    for bid_id in (solo.json()["id"], bid["id"]):
        await api.put(
            f"/v1/commissions/{cid}/bids/{bid_id}/score",
            council,
            json={"quality": 75, "social_value": 80},
            expect=200,
        )
    k1 = (await api.post(f"/v1/commissions/{cid}/lots/{LOT_1}/award", council, expect=201)).json()
    k2 = (await api.post(f"/v1/commissions/{cid}/lots/{LOT_2}/award", council, expect=201)).json()
    assert k1["supplier"]["enterprise_id"] == ent["cic"].enterprise_id
    assert k2["supplier"]["enterprise_id"] == lead.enterprise_id, "the lead is the supplier"
    for k in (k1, k2):
        await api.post(f"/v1/contracts/{k['id']}/activate", council, expect=200)
    return k1, k2, shares


async def grant_round(api: Api, cast: Cast, council: Actor, today: date) -> None:
    """Five applications, a residents' vote (three awarded), paid upfront, reported, 360Giving."""
    programme = {
        "title": f"Ashton ward fund {today.isoformat()}",
        "description": "Small grants for residents' projects",
        "areas": [WARD_1],
        "criteria": ["Brings neighbours together", "Run by local people"],
        "budget": money("5000.00"),
        "max_grant": money("1500.00"),
    }
    made = await api.post("/v1/grant-programmes", council, json=programme, expect=201)
    pid = made.json()["id"]
    apps = []
    groups = [cast.enterprises[k] for k in ("sole", "cic", "coop", "charity", "ineligible")]
    for i, group in enumerate(groups):
        body = {
            "programme_id": pid,
            "amount_requested": money(f"{1000 + 100 * i}.00"),
            "purpose": f"Project {i}: planters and a street party",
            "people_reached": 40 + i,
            "contact": f"Organiser {i}, 07700 900{i:03d}",
        }
        apps.append((await api.post("/v1/grant-applications", group, json=body, expect=201)).json())
    results = []
    for i, a in enumerate(apps):
        item: dict[str, Any] = {
            "application_id": a["id"],
            "result": "awarded" if i < 3 else "declined",
            "votes": {"for": 90 - 10 * i, "against": 10 + 5 * i},
        }
        if i < 3:
            item["amount"] = a["amount_requested"]
        results.append(item)
    decision = {"method": "residents_vote", "turnout": 140, "results": results}
    decided = await api.post(
        f"/v1/grant-programmes/{pid}/decisions", council, json=decision, expect=201
    )
    grants = decided.json()["grants"]
    assert len(grants) == 3
    assert all(g["payment"] == "upfront" and len(g["instalments"]) == 1 for g in grants)
    published = (await api.get(f"/v1/grant-programmes/{pid}/decisions", expect=200)).json()
    votes = [r["votes"] for r in published["items"][0]["results"]]
    assert votes == [r["votes"] for r in results], "the counts are published"
    after = (await api.get(f"/v1/grant-programmes/{pid}", expect=200)).json()
    assert after["committed"] == money("3300.00")  # 1000 + 1100 + 1200
    by_id = {g.enterprise_id: g for g in groups}
    for n, grant in enumerate(grants):
        # Each upfront instalment is a payable on the ledger: received the day of the
        # decision, due 30 days later, owed by the council to the group.
        [payable] = grant["payables"]
        assert (payable["basis"], payable["status"]) == ("grant", "due")
        assert payable["received_on"] == today.isoformat()
        assert payable["due_on"] == (today + timedelta(days=30)).isoformat()
        recipient = by_id[grant["recipient"]["enterprise_id"]]
        pay_url = f"/v1/payables/{payable['id']}/pay"
        await api.post(pay_url, recipient, json={"reference": "mine"}, expect=403)
        if n == 0:  # the ward grant paid through its payable, the others by instalment
            assert (await pay(api, council, payable["id"], "GRANT-0"))["status"] == "paid"
            paid = await api.get(f"/v1/grants/{grant['id']}", council, expect=200)
        else:
            paid = await api.post(
                f"/v1/grants/{grant['id']}/instalments/1/paid",
                council,
                json={"paid_on": today.isoformat(), "reference": f"GRANT-{n}"},
                expect=200,
            )
        assert paid.json()["status"] == "paid"
        assert paid.json()["payables"][0]["status"] == "paid"
        await api.post(pay_url, council, json={"reference": "again"}, expect=409)
        await api.post(
            f"/v1/grants/{grant['id']}/instalments/1/paid",
            council,
            json={"paid_on": today.isoformat(), "reference": "again"},
            expect=409,
        )
        reported = await api.post(
            f"/v1/grants/{grant['id']}/report",
            recipient,
            json={
                "what_happened": "Planters and a street party",
                "people_reached": 60,
                "figures": {"skills.qualifications": "4"},
            },
            expect=200,
        )
        assert reported.json()["status"] == "reported"
    package = (await api.get("/v1/grants/360giving", params={"council": FYLDE}, expect=200)).json()
    validate = validator_360()
    errors = await asyncio.to_thread(validate, package)
    assert errors == [], errors
    broken = {**package, "grants": [{**package["grants"][0], "awardDate": "30/11/2026"}]}
    assert await asyncio.to_thread(validate, broken) != [], "the validator does check"
    ours = [g for g in package["grants"] if g["grantProgramme"][0]["title"] == programme["title"]]
    assert len(ours) == 3
    assert sorted(g["amountAwarded"] for g in ours) == [1000, 1100, 1200]
    assert all(g["amountDisbursed"] == g["amountAwarded"] for g in ours)
    assert "07700" not in str(package), "a contact is never published"
    assert "GRANT-" not in str(package), "nor a payment reference"

    # The grant payments are counted in the report's separate grants block, not in UK8.
    report = await api.get(
        f"/v1/payment-performance/{FYLDE}", params={"period": period_of(today)}, expect=200
    )
    block = report.json()["grants"]
    assert (block["invoices_paid"], block["paid_within_30_days"], block["late"]) == (3, 3, 0)
    assert (block["amount_paid"], block["average_days_to_pay"]) == ("3300.00", "0.0")


@pytest.mark.timeout(900)
async def test_fair_money_on_schedule_by_outcomes_consortium_and_ward_grants(
    gateway: Api, cast: Cast, platform: Platform
) -> None:
    api = gateway
    mine = Cast(cast.registrar, cast.councils, {})  # never rebind the shared cast
    council = mine.councils[FYLDE]
    records = await register_enterprises(api, mine, Secrets())
    for record in records.values():
        await api.post(
            f"/v1/enterprises/{record['id']}/verification",
            mine.registrar,
            json={"decision": "verified", "note": "checked"},
            expect=200,
        )
    ent = mine.enterprises
    k1, k2, shares = await award_both_lots(api, platform, mine, council)
    start = datetime.fromisoformat(k1["period"]["start"])
    day0 = start.date()
    await asyncio.to_thread(platform.travel_to, start + timedelta(days=2))

    # (a) The upfront half of the fixed £6,000 (60% of £10,000) is raised at the start.
    def upfront(items: list[dict[str, Any]]) -> bool:
        return any(p["basis"] == "fixed_share" for p in items)

    first = await payables_when(api, council, k1["id"], upfront)
    assert [(p["received_on"], p["due_on"]) for p in first] == [
        (day0.isoformat(), (day0 + timedelta(days=14)).isoformat())
    ]
    assert rows(first) == [("fixed_share", "3000.00", "due")]
    await verified_report(api, ent["cic"], council, k1["id"], WARD_1, day0)
    items = await payables_when(api, council, k1["id"], lambda i: len(i) == 2)
    outcome = next(p for p in items if p["basis"] == "outcome")
    assert (outcome["amount"], outcome["status"]) == ("500.00", "due")
    url = f"/v1/payables/{outcome['id']}"
    await api.post(f"{url}/dispute", ent["cic"], json={"reason": "x"}, expect=403)
    disputed = await api.post(
        f"{url}/dispute", council, json={"reason": "Certificates unsigned"}, expect=200
    )
    assert disputed.json()["status"] == "disputed"
    await api.post(f"{url}/pay", council, json={"reference": "FYL-1"}, expect=409)
    resolved = await api.post(
        f"{url}/resolve", council, json={"resolution": "Signed copies sent"}, expect=200
    )
    assert resolved.json()["status"] == "due"
    assert (await pay(api, council, outcome["id"], "FYL-1"))["days_to_pay"] == 0

    # (b) The consortium's lead is paid; members see their shares, not the payments.
    lead, m1 = ent["charity"], ent["coop"]
    await verified_report(api, lead, council, k2["id"], WARD_2, day0)
    joint = await payables_when(api, council, k2["id"], lambda i: len(i) == 2)
    assert sorted(rows(joint)) == [("fixed_share", "3000.00", "due"), ("outcome", "500.00", "due")]
    for n, p in enumerate(joint):
        assert (await pay(api, council, p["id"], f"FYL-C{n}"))["status"] == "paid"
    assert {p["basis"] for p in await payables(api, lead, k2["id"])} == {"fixed_share", "outcome"}
    seen = (await api.get(f"/v1/contracts/{k2['id']}", m1, expect=200)).json()
    assert seen["supplier"]["enterprise_id"] == lead.enterprise_id
    assert seen["consortium"]["lead_share"] == {"work_pct": "40", "value_pct": "40"}
    assert {m["enterprise_id"]: m["value_pct"] for m in seen["consortium"]["members"]} == shares
    member_view = await payables(api, m1, k2["id"])
    assert [p["basis"] for p in member_view] == ["fixed_share"], "no outcome claims to members"
    assert "reference" not in str(member_view)
    member_pay = await api.get(f"/v1/contracts/{k2['id']}/payments", m1, expect=200)
    assert not member_pay.json().get("lines"), "the exact ledger is the lead's"

    # The upfront instalment of lot 1 is left unpaid past its due date: late, paid on day 40.
    await asyncio.to_thread(platform.travel_to, start + timedelta(days=40))

    def late(items: list[dict[str, Any]]) -> bool:
        return any(p["status"] == "late" for p in items)

    items = await payables_when(api, council, k1["id"], late)
    assert sorted(rows(items)) == [
        ("fixed_share", "3000.00", "late"),
        ("outcome", "500.00", "paid"),
    ]
    paid = await pay(api, council, first[0]["id"], "FYL-2")
    assert (paid["status"], paid["was_late"], paid["days_to_pay"]) == ("paid", True, 40)

    # The second instalment is raised on its day (60), and paid on time.
    await asyncio.to_thread(platform.travel_to, start + timedelta(days=61))
    day60 = (day0 + timedelta(days=60)).isoformat()
    for k in (k1, k2):
        items = await payables_when(api, council, k["id"], lambda i: len(i) == 3)
        second = next(p for p in items if p["received_on"] == day60)
        assert (second["basis"], second["amount"], second["status"]) == (
            "fixed_share",
            "3000.00",
            "due",
        )
        assert (await pay(api, council, second["id"], f"FYL-3-{k['id'][:4]}"))["days_to_pay"] == 1

    # UK8: six invoices paid, five within 30 days; one late, one disputed (Fylde's only).
    days = [day0, day0 + timedelta(days=2), day0 + timedelta(days=14)]
    days += [day0 + timedelta(days=40), day0 + timedelta(days=60), day0 + timedelta(days=61)]
    figures = await performance(api, FYLDE, days)
    assert figures == {"invoices_paid": 6, "paid_within_30_days": 5, "late": 1, "disputed": 1}
    periods = {period_of(d) for d in days}
    if len(periods) == 1:  # the percentage of one period (the story may straddle two)
        one = await api.get(f"/v1/payment-performance/{FYLDE}", params={"period": periods.pop()})
        assert one.json()["paid_within_30_days_pct"] == "83.3"

    # (c) The ward grant round, paid upfront through the payables ledger.
    await grant_round(api, mine, council, platform.now().date())
    after = await performance(api, FYLDE, [*days, platform.now().date()])
    assert after == figures, "UK8 stays public contracts only: the grants are counted apart"
