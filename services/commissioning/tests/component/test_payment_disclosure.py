"""A sensitive count of 3 never reaches the public (routes, events, OCDS); parties see it."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from streetlevel.common.ids import new_id

PRICE = Decimal("50.00")  # the harness rate card: loneliness-reduced, £50 per person
Q1, Q2 = ("2027-01-01", "2027-03-31"), ("2027-04-01", "2027-06-30")
AFTER_Q2 = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
PARTIES = ("buyer", "supplier")
OTHERS = ("other_council", "other_bidder", "registrar", "anonymous")


async def active_contract(h: Any) -> tuple[dict[str, Any], str]:
    supplier = str(new_id())
    await h.enterprise(h.record(supplier, "Ward Friends CIC"))
    c = (
        await h.client.post(
            "/v1/commissions",
            json=h.body(h.clock.now(), procedure="micro_grant"),
            headers=h.council(),
        )
    ).json()
    await h.client.post(f"/v1/commissions/{c['id']}/publish", headers=h.council())
    bid = await h.client.post(
        f"/v1/commissions/{c['id']}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "5000.00"}, "proposal": "Visits"},
        headers=h.bidder(supplier),
    )
    h.clock.advance(days=11)
    await h.run_due_jobs()
    await h.client.put(
        f"/v1/commissions/{c['id']}/bids/{bid.json()['id']}/score",
        json={"quality": 80, "social_value": 80},
        headers=h.council(),
    )
    k = (
        await h.client.post(f"/v1/commissions/{c['id']}/lots/lot-1/award", headers=h.council())
    ).json()
    h.clock.advance(days=20)  # past the contract's start (day 30)
    r = await h.client.post(f"/v1/contracts/{k['id']}/activate", headers=h.council())
    assert r.status_code == 200, r.text
    h.clock.set(AFTER_Q2)  # figures come in once their quarter has ended
    return c, supplier


async def verify(h: Any, kit: Any, contract_id: str, value: int, period: tuple[str, str]) -> str:
    obs = str(new_id())
    subject = f"observation/{obs}"
    for kind in ("reported", "verified"):
        data = {
            "observation_id": obs,
            "plan_id": "plan-1",
            "contract_id": contract_id,
            "indicator_code": "loneliness-reduced",
            "period": {"start": period[0], "end": period[1]},
            "area": kit.wards[0],
            "value": str(value),
            "status": kind,
        }
        env = kit.envelope(f"outcomes.observation.{kind}.v1", subject, h._next(subject), data)
        await h.deliver("outcomes.observation.v1", contract_id, env)
    return obs


def amounts(node: Any) -> list[Decimal]:
    """Every money amount and number in a JSON document."""
    if isinstance(node, dict):
        return [a for v in node.values() for a in amounts(v)]
    if isinstance(node, list):
        return [a for v in node for a in amounts(v)]
    if isinstance(node, bool) or node is None:
        return []
    if isinstance(node, int | float):
        return [Decimal(str(node))]
    if isinstance(node, str):
        try:
            return [Decimal(node)]
        except ArithmeticError:
            return []
    return []


def small_multiples(figures: list[Decimal]) -> list[Decimal]:
    """Figures that are 1–4 people × the price (the money form of a small count)."""
    return [f for f in figures if f in {PRICE * n for n in range(1, 5)}]


async def public_documents(h: Any, contract_id: str, ocid: str, headers: dict[str, str]) -> list:
    return [
        (await h.client.get(f"/v1/contracts/{contract_id}", headers=headers)).json(),
        (await h.client.get("/v1/contracts", headers=headers)).json(),
        (await h.client.get(f"/v1/contracts/{contract_id}/payments", headers=headers)).json(),
        (await h.client.get("/v1/ocds/releases", headers=headers)).json(),
        (await h.client.get(f"/v1/ocds/records/{ocid}", headers=headers)).json(),
    ]


def payment_figures(docs: list[Any]) -> list[Decimal]:
    """The figures derived from the ledger (the rate card itself is public, and is £50)."""
    summary, listing, payments, package, record = docs
    found = amounts(summary["paid_total"]) + amounts([c["paid_total"] for c in listing["items"]])
    found += amounts(payments)
    releases = package["releases"] + record["records"][0]["releases"]
    releases.append(record["records"][0]["compiledRelease"])
    for release in releases:
        found += amounts([c.get("implementation") for c in release.get("contracts", [])])
    return found


async def test_a_sensitive_count_of_three_is_never_public_and_parties_see_it_exactly(
    harness: Any, kit: Any, tmp_path: Path
) -> None:
    h = harness
    commission, supplier = await active_contract(h)
    [contract] = (await h.client.get(f"/v1/contracts?commission_id={commission['id']}")).json()[
        "items"
    ]
    k = contract["id"]
    headers = {
        "buyer": h.council(),
        "supplier": h.bidder(supplier),
        "other_council": h.council(org="GB-LAE-FYL", area="E07000119"),
        "other_bidder": h.bidder(str(new_id())),
        "registrar": h.registrar(),
        "anonymous": {},
    }
    await verify(h, kit, k, 3, Q1)

    for who in PARTIES:
        ledger = (await h.client.get(f"/v1/contracts/{k}/payments", headers=headers[who])).json()
        assert [(ln["units"], ln["amount"]["amount"]) for ln in ledger["lines"]] == [
            ("3", "150.00")
        ]
        assert ledger["total"]["amount"] == "150.00"
        summary = (await h.client.get(f"/v1/contracts/{k}", headers=headers[who])).json()
        assert (summary["paid_total"]["amount"], summary["paid_total_exact"]) == ("150.00", True)
    for who in OTHERS:
        docs = await public_documents(h, k, commission["ocid"], headers[who])
        assert small_multiples(payment_figures(docs)) == [], who
        assert Decimal(150) not in [a for d in docs for a in amounts(d)], who
        assert "lines" not in docs[2]
        assert docs[2]["periods"][0]["suppressed"] is True
        assert docs[2]["total"] == {"amount": "0.00", "currency": "GBP"}
        assert (docs[0]["paid_total"]["amount"], docs[0]["paid_total_exact"]) == ("0.00", False)

    # 10 more people in the next quarter: the whole (13 → 15) is published in the metrics,
    # so the 10 is suppressed too; then 12 more in Q1 (15 → 15) and 2 in Q2 (12 → 10).
    await verify(h, kit, k, 10, Q2)
    await verify(h, kit, k, 12, Q1)
    await verify(h, kit, k, 2, Q2)
    public = (await h.client.get(f"/v1/contracts/{k}/payments")).json()
    assert [(p["amount"]["amount"], p["suppressed"]) for p in public["periods"]] == [
        ("750.00", False),
        ("500.00", False),
    ]
    buyer = (await h.client.get(f"/v1/contracts/{k}/payments", headers=headers["buyer"])).json()
    assert buyer["total"]["amount"] == "1350.00"  # 27 people × £50, exactly

    events = [e.data for e in await h.published() if e.short_type.endswith("payments_updated.v1")]
    events = [e for e in events if e["contract_id"] == k]
    # Every published figure, every difference of two figures (across periods, totals and
    # successive events) is a multiple of 5 people × £50: never 1–4 people.
    figures = [Decimal(p["amount"]["amount"]) for e in events for p in e["periods"]]
    figures += [Decimal(e["total"]["amount"]) for e in events]
    assert all(f % (5 * PRICE) == 0 for f in figures), figures
    assert small_multiples([abs(a - b) for a in figures for b in figures]) == []
    assert len(events) == 3  # 3 → suppressed, +10 → suppressed, +12 → 750 | 500; +2 hidden
    assert all(a != b for a, b in itertools.pairwise(events))
    package = (await h.client.get("/v1/ocds/releases")).json()
    ours = [r for r in package["releases"] if r["ocid"] == commission["ocid"]]
    assert [r["tag"] for r in ours].count(["implementation"]) == 3  # none for the hidden change
    implementation = ours[-1]["contracts"][0]["implementation"]
    [achieved] = implementation["metrics"]
    assert [o["measure"] for o in achieved["observations"]] == [25, 15, 10]
    ocds_figures = amounts([c.get("implementation") for r in ours for c in r.get("contracts", [])])
    assert small_multiples(ocds_figures) == []
    assert Decimal(3) not in ocds_figures
    assert Decimal(150) not in ocds_figures
    assert "150.00" not in json.dumps(public)
    # Rounded and suppressed achieved figures are valid OCDS (metrics extension).
    report = await asyncio.to_thread(kit.validate_ocds, package, tmp_path)
    assert report.get("validation_errors") == []
    assert not report.get("additional_closed_codelist_values")
    assert not report.get("additional_fields")


async def flag(h: Any, kit: Any, *, sensitive: bool) -> Any:
    subject = "indicator/loneliness-reduced"
    record = {**kit.indicator("loneliness-reduced"), "sensitive": sensitive}
    env = kit.envelope(
        "outcomes.indicator.updated.v1", subject, h._next(subject), {"indicator": record}
    )
    await h.deliver("outcomes.indicator.v1", "loneliness-reduced", env)
    return env


async def test_an_indicator_that_becomes_sensitive_stops_showing_exact_payments(
    harness: Any, kit: Any
) -> None:
    h = harness
    await flag(h, kit, sensitive=False)
    commission, _ = await active_contract(h)
    [contract] = (await h.client.get(f"/v1/contracts?commission_id={commission['id']}")).json()[
        "items"
    ]
    k = contract["id"]
    await verify(h, kit, k, 12, Q1)
    public = (await h.client.get(f"/v1/contracts/{k}/payments")).json()
    assert [(p["amount"]["amount"], p["rounded"]) for p in public["periods"]] == [("600.00", False)]

    def implementations(package: dict[str, Any]) -> list[Any]:
        ours = [r for r in package["releases"] if r["ocid"] == commission["ocid"]]
        return [r["contracts"][0]["implementation"] for r in ours if r["tag"] == ["implementation"]]

    before = implementations((await h.client.get("/v1/ocds/releases")).json())
    # The indicator consumer alone republishes: no one calls anything else.
    flagged = await flag(h, kit, sensitive=True)
    public = (await h.client.get(f"/v1/contracts/{k}/payments")).json()
    assert [(p["amount"]["amount"], p["rounded"]) for p in public["periods"]] == [("500.00", True)]
    events = [e for e in await h.published() if e.short_type.endswith("payments_updated.v1")]
    ours = [e for e in events if e.data["contract_id"] == k]
    assert [e.data["total"]["amount"] for e in ours] == ["600.00", "500.00"]
    assert ours[-1].causationid == flagged.id  # the flag caused it, and says so
    after = implementations((await h.client.get("/v1/ocds/releases")).json())
    assert len(after) == len(before) + 1  # an OCDS implementation release under control
    assert Decimal(600) not in amounts(after[-1])
    assert Decimal(500) in amounts(after[-1])
    await flag(h, kit, sensitive=True)  # nothing changed: nothing is published again
    again = [e for e in await h.published() if e.short_type.endswith("payments_updated.v1")]
    assert len([e for e in again if e.data["contract_id"] == k]) == 2
