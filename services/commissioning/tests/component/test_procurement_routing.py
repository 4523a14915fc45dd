"""Value routing through the API: VAT, CPV codes, nation, classification, reservations, periods."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.domain.procurement.thresholds import classify
from streetlevel.commissioning.domain.values import Money
from streetlevel.commissioning.service.procurement_rules import social_value_weight
from streetlevel.commissioning.settings import CommissioningSettings

CPV = ["85311000-2"]  # social work services with accommodation (a light-touch-style code)


def big(h: Any, net: str = "100000.00", **overrides: Any) -> dict[str, Any]:
    """An above-threshold body: two lots, no reservations, a 30-day tender."""
    now = h.clock.now()
    body = h.body(now, eligibility={"verified_only": True}, cpv_codes=CPV)
    for lot in body["lots"]:
        lot["value"] = {"amount": net, "currency": "GBP"}
    body["value"] = {"amount": f"{Decimal(net) * 2:.2f}", "currency": "GBP"}
    body["timeline"] |= {
        "tender_end": (now + timedelta(days=30)).isoformat(),
        "award_by": (now + timedelta(days=40)).isoformat(),
        "contract_start": (now + timedelta(days=60)).isoformat(),
    }
    body.update(overrides)
    return body


def rules(r: Any) -> list[str]:
    return [e["type"] for e in r.json().get("errors", [])]


async def test_a_small_commission_is_not_regulated_and_shows_its_values_and_reason(
    harness: Any,
) -> None:
    h = harness
    r = await h.client.post("/v1/commissions", json=h.body(h.clock.now()), headers=h.council())
    assert r.status_code == 201, r.text
    c = r.json()
    p = c["procurement"]
    assert (p["nation"], p["classification"], p["procedure_kind"]) == (
        "england",
        "not_regulated",
        "open",
    )
    assert p["value_excl_vat"]["amount"] == "10000.00"
    assert p["vat"]["amount"] == "2000.00"
    assert p["value_incl_vat"]["amount"] == "12000.00"
    assert "£30,000" in p["reason"]
    assert c["lots"][0]["vat_rate"] == "20"
    assert c["lots"][0]["value_incl_vat"] == {"amount": "7200.00", "currency": "GBP"}


async def test_above_threshold_the_classification_cites_the_threshold(harness: Any) -> None:
    h = harness
    r = await h.client.post("/v1/commissions", json=big(h), headers=h.council())
    assert r.status_code == 201, r.text
    p = r.json()["procurement"]
    assert p["classification"] == "above_threshold"
    assert p["threshold"]["amount"] == "207720.00"  # Schedule 1 row 12 from 1 January 2026
    assert p["value_incl_vat"]["amount"] == "240000.00"
    assert "s.3" in p["reason"]


async def test_vat_exempt_services_are_compared_without_vat(harness: Any) -> None:
    h = harness
    body = big(h)
    for lot in body["lots"]:
        lot["vat_rate"] = 0
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 201, r.text
    assert r.json()["procurement"]["classification"] == "regulated_below_threshold"


async def test_above_threshold_local_and_size_reservations_are_refused_per_lot(
    harness: Any,
) -> None:
    h = harness
    body = big(h, eligibility={"must_serve_area": True, "max_size": "small"})
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 422, r.text
    problem = r.json()
    assert rules(r) == ["reservation_not_allowed"] * 4  # two reservations on each of two lots
    assert "s.32" in problem["detail"] or "s.32" in problem["errors"][0]["msg"]
    assert {e["loc"][-1] for e in problem["errors"]} == {"must_serve_area", "max_size"}


async def test_below_threshold_a_services_lot_may_be_reserved_locally(harness: Any) -> None:
    h = harness
    body = h.body(h.clock.now(), eligibility={"must_serve_area": True, "max_size": "small"})
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 201, r.text


async def test_cpv_codes_are_validated_and_required_for_a_notice(harness: Any) -> None:
    h = harness
    bad = await h.client.post(
        "/v1/commissions", json=big(h, cpv_codes=["8531100"]), headers=h.council()
    )
    assert bad.status_code == 422
    r = await h.client.post("/v1/commissions", json=big(h, cpv_codes=[]), headers=h.council())
    assert r.status_code == 201, r.text
    refused = await h.client.post(f"/v1/commissions/{r.json()['id']}/publish", headers=h.council())
    assert refused.status_code == 422
    assert rules(refused) == ["cpv_codes_missing"]


async def test_above_threshold_tenders_stay_open_25_days(harness: Any) -> None:
    h = harness
    body = big(h)
    body["timeline"]["tender_end"] = (h.clock.now() + timedelta(days=20)).isoformat()
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 201, r.text
    refused = await h.client.post(f"/v1/commissions/{r.json()['id']}/publish", headers=h.council())
    assert refused.status_code == 422
    assert rules(refused) == ["tendering_period_too_short"]
    assert "s.54" in refused.json()["errors"][0]["msg"]
    ok = await h.client.post("/v1/commissions", json=big(h), headers=h.council())
    published = await h.client.post(
        f"/v1/commissions/{ok.json()['id']}/publish", headers=h.council()
    )
    assert published.status_code == 200, published.text


async def test_below_threshold_in_england_a_selection_stage_is_refused(harness: Any) -> None:
    h = harness
    for procedure in ("selective", "competitive_flexible"):
        extra = {"stages": ["participation", "tender"]} if procedure != "selective" else {}
        body = h.body(h.clock.now(), procedure=procedure, **extra)
        r = await h.client.post("/v1/commissions", json=body, headers=h.council())
        assert r.status_code == 422, r.text
        assert rules(r) == ["no_selection_stage_below_threshold"]
        assert "ss.84-85" in r.json()["errors"][0]["msg"]
    ok = await h.client.post(
        "/v1/commissions",
        json=big(h, procedure="selective"),
        headers=h.council(),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["procurement"]["procedure_kind"] == "competitive_flexible"


async def test_a_direct_award_above_threshold_needs_a_ground_and_its_reasons(
    harness: Any,
) -> None:
    h = harness
    r = await h.client.post(
        "/v1/commissions", json=big(h, procedure="direct_award"), headers=h.council()
    )
    assert r.status_code == 422
    assert rules(r) == ["direct_award_unjustified"]
    justified = big(
        h,
        procedure="direct_award",
        direct_award={"ground": "user_choice", "justification": "The residents chose them."},
    )
    r = await h.client.post("/v1/commissions", json=justified, headers=h.council())
    assert r.status_code == 201, r.text


async def test_a_micro_grant_is_a_grant_outside_the_act(harness: Any) -> None:
    h = harness
    r = await h.client.post(
        "/v1/commissions", json=h.body(h.clock.now(), procedure="micro_grant"), headers=h.council()
    )
    assert r.status_code == 201, r.text
    p = r.json()["procurement"]
    assert (p["procedure_kind"], p["classification"]) == ("grant", "not_regulated")
    assert "s.3(2)" in p["reason"]


async def test_a_commission_in_two_nations_is_refused(harness: Any) -> None:
    h = harness
    body = h.body(h.clock.now())
    body["lots"][1]["areas"] = ["W05000001"]
    r = await h.client.post("/v1/commissions", json=body, headers=h.council())
    assert r.status_code == 422
    assert rules(r) == ["nations_mixed"]


def test_social_value_is_council_policy_and_may_exempt_below_threshold() -> None:
    settings = CommissioningSettings(
        social_value_policies={"GB-LAE-BPL": {"min_weight": 15, "exempt_below_threshold": True}},
        environment="test",
    )
    on = date(2026, 3, 1)
    below = classify(
        [Money(amount=Decimal(50000))], kind="services", nation="england", started_on=on
    )
    above = classify(
        [Money(amount=Decimal(5000000))], kind="services", nation="england", started_on=on
    )
    assert social_value_weight(settings, "GB-LAE-BPL", below) == 0
    assert social_value_weight(settings, "GB-LAE-BPL", above) == 15
    # Every other council keeps the default: 10 % at any value unless it says otherwise.
    assert social_value_weight(settings, "GB-LAE-FYL", below) == 10
    assert social_value_weight(settings, "GB-LAE-FYL", above) == 10
