"""Payables over the API: a blended contract paid on schedule and by outcomes, with a clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from streetlevel.common.ids import new_id

BLENDED = {
    "model": "blended",
    "outcomes_share_pct": "40",
    "rate_card": [
        {
            "indicator_code": "loneliness-reduced",
            "price_per_unit": {"amount": "50.00", "currency": "GBP"},
            "max_units": "100",
        }
    ],
    "instalments": [{"offset_days": 0, "share_pct": "50"}, {"offset_days": 60, "share_pct": "50"}],
    "payment_terms_days": 14,
}


async def blended_contract(h: Any, payment: dict[str, Any] | None = None) -> tuple[str, str]:
    """An active blended contract for £800 (fixed £480 on schedule, outcomes up to £320)."""
    e = str(new_id())
    await h.enterprise(h.record(e, "Blended CIC"))
    body = h.body(h.clock.now(), payment=payment or BLENDED)
    c = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert c.status_code == 201, c.text
    cid = c.json()["id"]
    await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())
    b = await h.client.post(
        f"/v1/commissions/{cid}/bids",
        json={"lot_id": "lot-1", "price": {"amount": "800.00"}, "proposal": "p"},
        headers=h.bidder(e),
    )
    h.clock.advance(days=11)
    await h.run_due_jobs()
    await h.client.put(
        f"/v1/commissions/{cid}/bids/{b.json()['id']}/score",
        json={"quality": 60, "social_value": 60},
        headers=h.council(),
    )
    k = await h.client.post(f"/v1/commissions/{cid}/lots/lot-1/award", headers=h.council())
    assert k.status_code == 201, k.text
    h.clock.advance(days=20)  # past the start (day 30)
    kid = k.json()["id"]
    r = await h.client.post(f"/v1/contracts/{kid}/activate", headers=h.council())
    assert r.json()["status"] == "active", r.text
    return kid, e


async def payables(h: Any, kid: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = await h.client.get(f"/v1/contracts/{kid}/payables", headers=headers or {})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_blended_contract_is_paid_on_schedule_and_by_outcomes_with_a_clock(
    harness: Any,
) -> None:
    h = harness
    kid, supplier = await blended_contract(h)
    mine = await payables(h, kid, h.bidder(supplier))
    # The upfront half of the fixed £480 is due at activation, 14 days after the start.
    assert [
        (p["basis"], p["amount"], p["received_on"], p["due_on"], p["status"]) for p in mine["items"]
    ] == [("fixed_share", "240.00", "2026-12-23", "2027-01-06", "due")]
    h.after_first_period()
    obs = str(new_id())
    reported = h.observation_event("reported", obs, kid, "2")
    verified = h.observation_event("verified", obs, kid, "2")
    for event in (reported, verified, verified):  # the verification delivered twice
        await h.deliver("outcomes.observation.v1", kid, event)
    assert await h.run_due_jobs() == 1  # the instalment's due date passed: late
    items = (await payables(h, kid, h.bidder(supplier)))["items"]
    assert [(p["basis"], p["amount"], p["status"]) for p in items] == [
        ("fixed_share", "240.00", "late"),
        ("outcome", "100.00", "due"),
    ]
    instalment, outcome = items[0]["id"], items[1]["id"]
    assert items[1]["received_on"] == "2027-01-22"
    assert items[1]["due_on"] == "2027-02-05"

    # The buyer disputes the claim, resolves it, then pays both; the supplier cannot.
    url = f"/v1/payables/{outcome}"
    other = h.council("GB-LAE-FYL", "E07000119")
    assert (
        await h.client.post(f"{url}/dispute", json={"reason": "x"}, headers=other)
    ).status_code == 403
    assert (
        await h.client.post(f"{url}/pay", json={"reference": "R"}, headers=h.bidder(supplier))
    ).status_code == 403
    assert (await h.client.post(f"{url}/pay", json={"reference": "R"})).status_code == 401
    r = await h.client.post(
        f"{url}/dispute", json={"reason": "Evidence missing"}, headers=h.council()
    )
    assert r.json()["status"] == "disputed", r.text
    paying = await h.client.post(f"{url}/pay", json={"reference": "R"}, headers=h.council())
    assert paying.status_code == 409
    r = await h.client.post(
        f"{url}/resolve", json={"resolution": "Evidence supplied"}, headers=h.council()
    )
    assert r.json()["status"] == "due"
    h.clock.advance(days=3)
    r = await h.client.post(f"{url}/pay", json={"reference": "BACS-0042"}, headers=h.council())
    assert (r.json()["status"], r.json()["days_to_pay"]) == ("paid", 3)
    r = await h.client.post(
        f"/v1/payables/{instalment}/pay", json={"reference": "BACS-0043"}, headers=h.council()
    )
    assert (r.json()["status"], r.json()["was_late"], r.json()["days_to_pay"]) == ("paid", True, 33)
    future = (h.clock.now() + timedelta(days=1)).date().isoformat()
    r = await h.client.post(
        f"/v1/payables/{instalment}/pay",
        json={"reference": "again", "paid_on": future},
        headers=h.council(),
    )
    assert r.status_code == 409  # paid already

    # The public sees the schedule, never the outcome claims, references or reasons.
    public = await payables(h, kid)
    assert public["full"] is False
    assert [p["basis"] for p in public["items"]] == ["fixed_share"]
    assert "reference" not in public["items"][0]
    stranger = await payables(h, kid, h.bidder(str(new_id())))
    assert stranger["items"] == public["items"]

    # Every change was an event to the supplier alone.
    types = [e.short_type for e in h.bus.private if e.subject.startswith("payable/")]
    assert sorted(types) == sorted(
        [
            "commissioning.payable.raised.v1",
            "commissioning.payable.raised.v1",
            "commissioning.payable.late.v1",
            "commissioning.payable.disputed.v1",
            "commissioning.payable.dispute_resolved.v1",
            "commissioning.payable.paid.v1",
            "commissioning.payable.paid.v1",
        ]
    )
    audiences = {
        e.model_extra["audience"] for e in h.bus.private if e.subject.startswith("payable/")
    }
    assert audiences == {f"enterprise:{supplier}"}

    # The council's half-year figures: two paid, one within 30 days, one late, one disputed.
    report = await h.client.get("/v1/payment-performance/GB-LAE-BPL", params={"period": "2026-H2"})
    assert report.status_code == 200, report.text
    figures = report.json()
    assert {
        k: figures[k] for k in ("invoices_paid", "paid_within_30_days", "late", "disputed")
    } == {
        "invoices_paid": 2,
        "paid_within_30_days": 1,
        "late": 1,
        "disputed": 1,
    }
    assert figures["paid_within_30_days_pct"] == "50.0"
    assert figures["average_days_to_pay"] == "18.0"  # (3 + 33) / 2
    assert figures["amount_paid"] == "340.00"
    bad = await h.client.get("/v1/payment-performance/GB-LAE-BPL", params={"period": "2026-Q4"})
    assert bad.status_code == 422


async def test_the_second_instalment_is_raised_by_the_scheduler_on_its_date(harness: Any) -> None:
    h = harness
    kid, supplier = await blended_contract(h)
    h.clock.advance(days=58)  # activated the day after the start: the eve of day 60
    await h.run_due_jobs()
    assert len((await payables(h, kid, h.bidder(supplier)))["items"]) == 1
    h.clock.advance(days=1)
    await h.run_due_jobs()
    await h.run_due_jobs()  # a second tick raises nothing twice
    items = (await payables(h, kid, h.bidder(supplier)))["items"]
    assert [(p["amount"], p["received_on"]) for p in items] == [
        ("240.00", "2026-12-23"),
        ("240.00", "2027-02-21"),
    ]


async def test_a_verified_payment_is_reversed_only_within_the_window_as_a_credit(
    harness: Any,
) -> None:
    h = harness
    kid, supplier = await blended_contract(h, {**BLENDED, "reversal_window_days": 30})
    h.after_first_period()
    early, old = str(new_id()), str(new_id())
    for obs in (early, old):
        for kind in ("reported", "verified"):
            await h.deliver(
                "outcomes.observation.v1", kid, h.observation_event(kind, obs, kid, "1")
            )
    await h.deliver(
        "outcomes.observation.v1",
        kid,
        h.observation_event("verification_withdrawn", early, kid, "1"),
    )
    h.clock.advance(days=31)
    await h.deliver(
        "outcomes.observation.v1", kid, h.observation_event("verification_withdrawn", old, kid, "1")
    )
    items = (await payables(h, kid, h.bidder(supplier)))["items"]
    outcome = [p for p in items if p["basis"] in ("outcome", "credit")]
    assert [(p["basis"], p["amount"]) for p in outcome] == [
        ("outcome", "50.00"),
        ("outcome", "50.00"),
        ("credit", "-50.00"),
    ]
    assert outcome[2]["credits"] == outcome[0]["id"]
    ledger = (
        await h.client.get(f"/v1/contracts/{kid}/payments", headers=h.bidder(supplier))
    ).json()
    assert ledger["total"]["amount"] == "50.00"  # the late withdrawal changed nothing


async def test_a_late_delivered_verification_keeps_the_day_of_verification(harness: Any) -> None:
    h = harness
    kid, supplier = await blended_contract(h)
    h.after_first_period()
    verified_at = h.clock.now()
    obs = str(new_id())
    reported = h.observation_event("reported", obs, kid, "1")
    verified = h.observation_event("verified", obs, kid, "1")
    h.clock.advance(days=5)  # commissioning's consumer was down for five days
    for event in (reported, verified):
        await h.deliver("outcomes.observation.v1", kid, event)
    items = (await payables(h, kid, h.bidder(supplier)))["items"]
    outcome = next(p for p in items if p["basis"] == "outcome")
    # The payment clock runs from the verification, not from the event's arrival.
    assert outcome["received_on"] == verified_at.date().isoformat()
    assert outcome["due_on"] == (verified_at + timedelta(days=14)).date().isoformat()


async def test_an_escalated_report_counts_against_the_council(harness: Any) -> None:
    h = harness
    kid, _ = await blended_contract(h)
    h.after_first_period()
    obs = str(new_id())
    for kind in ("reported", "escalated", "escalated"):
        await h.deliver("outcomes.observation.v1", kid, h.observation_event(kind, obs, kid, "1"))
    report = await h.client.get("/v1/payment-performance/GB-LAE-BPL", params={"period": "2026-H2"})
    assert report.json()["escalated_reports"] == 1


async def test_a_fixed_schedule_must_sum_to_100_and_fit_the_contract(harness: Any) -> None:
    h = harness
    for instalments, where in (
        ([{"offset_days": 0, "share_pct": "60"}], "instalments"),
        ([{"offset_days": 400, "share_pct": "100"}], "offset_days"),
    ):
        body = h.body(h.clock.now(), payment={"model": "fixed", "instalments": instalments})
        r = await h.client.post("/v1/commissions", json=body, headers=h.council())
        assert r.status_code == 422, r.text
        assert where in r.text
    body = h.body(h.clock.now(), payment={**BLENDED, "payment_terms_days": 45})
    assert (
        await h.client.post("/v1/commissions", json=body, headers=h.council())
    ).status_code == 422


async def test_the_payment_performance_is_published_as_ocds(
    harness: Any, tmp_path: Path, kit: SimpleNamespace
) -> None:
    h = harness
    r = await h.client.get("/v1/payment-performance/GB-LAE-BPL/ocds", params={"period": "2026-H2"})
    assert r.status_code == 200, r.text
    package = r.json()
    document = package["releases"][0]["planning"]["documents"][0]
    assert document["noticeType"] == "UK8"
    assert document["url"].endswith("/v1/payment-performance/GB-LAE-BPL?period=2026-H2")
    report = kit.validate_ocds(package, tmp_path)
    assert not report.get("validation_errors")
    assert not report.get("additional_closed_codelist_values")
    assert not report.get("additional_fields")
