"""The later acts of the Blackpool story (award, delivery, payment), shared by both run modes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from .actors import Cast
from .api import Api, eventually
from .blackpool import RATE, WARDS, money

LOT_A, LOT_B, LOT_C = (f"lot-{code}" for code in WARDS)
WARD_A = next(iter(WARDS))
LSOA_A1, LSOA_A2 = "E01012663", "E01012664"  # best fit in Anchorsholme


#: Moves the platform's time-keeping services forward to an instant (native or embedded).
TimePasses = Callable[[datetime], Awaitable[None]]
#: How long after the contract starts the story goes on: its first 30-day period has ended.
DELIVERY = timedelta(days=31)


async def evaluate_and_award(
    api: Api, cast: Cast, cid: str, bids: dict[str, dict[str, Any]], time_passes: TimePasses
) -> dict[str, Any]:
    """The buyer unseals, scores, ranks and awards every lot; the winner's contract starts.

    The buyer activates at once, before the start: the contract stays ``pending`` until its
    start, when the scheduler makes it ``active``; the story then moves a month on.
    """
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
    early = (await api.post(f"/v1/contracts/{contract['id']}/activate", council, expect=200)).json()
    assert early["status"] == "pending", "never active before its start"
    assert early["activates_at"] == contract["period"]["start"]
    start = datetime.fromisoformat(contract["period"]["start"])
    await time_passes(start + DELIVERY)

    async def active() -> dict[str, Any] | None:
        got = (await api.get(f"/v1/contracts/{contract['id']}", council, expect=200)).json()
        return got if got["status"] == "active" else None

    activated = await eventually(active, within=60, what="the scheduler to start the contract")
    assert activated["activates_at"] is None
    return activated


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
    # 15 local hires and 20 qualifications are multiples of 5: rounding leaves them as they are.
    assert public_pay["total"] == money("9000.00")
    assert [(p["suppressed"], p["rounded"]) for p in public_pay["periods"]] == [(False, True)]
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
    # The ward holds at least this story's 15 hires (other stories on the stack add to it).
    assert not by_area[WARD_A]["total"]["suppressed"]
    assert int(by_area[WARD_A]["total"]["value"]) >= 15
    assert "'value': '3'" not in str(ward)
