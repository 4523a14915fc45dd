"""Pure domain rules: commission validation, evaluation arithmetic, eligibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from streetlevel.commissioning.domain.bid import Bid, price_scores, rank, total_score
from streetlevel.commissioning.domain.eligibility import Applicant, unmet_rules
from streetlevel.commissioning.domain.rules import SpecContext, check_publishable, spec_errors
from streetlevel.commissioning.domain.values import CommissionSpec, Eligibility
from streetlevel.common.areas import load_area_list
from streetlevel.common.errors import ValidationProblem

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def areas(kit: Any) -> Any:
    return load_area_list(Path(kit.shared_dir()) / "data" / "geography" / "areas_blackpool.csv")


def spec(kit: Any, **overrides: Any) -> CommissionSpec:
    body = kit.commission_body(NOW, **overrides)
    body.pop("buyer_name")
    return CommissionSpec.model_validate(body)


def ctx(areas: Any, codes: tuple[str, ...] = ("loneliness-reduced",)) -> SpecContext:
    return SpecContext(buyer_area="E06000009", areas=areas, indicator_codes=set(codes))


def messages(errors: list[dict[str, Any]]) -> list[str]:
    return [e["msg"] for e in errors]


def test_a_valid_commission_has_no_errors(kit: Any, areas: Any) -> None:
    assert spec_errors(spec(kit), ctx(areas)) == []


def test_weights_must_sum_to_100_and_social_value_weigh_at_least_10(kit: Any, areas: Any) -> None:
    bad = spec(
        kit, award_criteria=[{"name": "price", "weight": 95}, {"name": "social_value", "weight": 5}]
    )
    assert messages(spec_errors(bad, ctx(areas))) == ["social_value must weigh at least 10"]
    short = spec(
        kit,
        award_criteria=[{"name": "price", "weight": 50}, {"name": "social_value", "weight": 10}],
    )
    assert messages(spec_errors(short, ctx(areas))) == ["weights must sum to 100"]


def test_the_timeline_must_be_in_order(kit: Any, areas: Any) -> None:
    base = kit.commission_body(NOW)["timeline"]
    swapped = {**base, "award_by": base["tender_end"], "tender_end": base["award_by"]}
    errors = spec_errors(spec(kit, timeline=swapped), ctx(areas))
    assert [e["loc"] for e in errors] == [["body", "timeline"]]
    same_end = {**base, "contract_end": base["contract_start"]}
    assert len(spec_errors(spec(kit, timeline=same_end), ctx(areas))) == 1


def test_lot_values_must_sum_to_the_commission_value(kit: Any, areas: Any) -> None:
    bad = spec(kit, value={"amount": "10000.01"})
    assert messages(spec_errors(bad, ctx(areas))) == ["lot values must sum to the commission value"]


def test_lot_areas_must_lie_inside_the_buyers_area(kit: Any, areas: Any) -> None:
    body = kit.commission_body(NOW)
    body["lots"][0]["areas"] = ["E05015186", "E01012670", "E05099999"]
    body.pop("buyer_name")
    errors = spec_errors(CommissionSpec.model_validate(body), ctx(areas))
    fylde = SpecContext(buyer_area="E07000119", areas=areas, indicator_codes={"loneliness-reduced"})
    assert any("not a known GSS code" in m for m in messages(errors))
    assert any("outside the buyer's area" in m for m in messages(spec_errors(spec(kit), fylde)))


def test_rate_card_and_outcome_indicators_must_exist(kit: Any, areas: Any) -> None:
    errors = spec_errors(spec(kit), ctx(areas, codes=()))
    assert [e["loc"][-1] for e in errors] == ["indicator_code"] * 3


def test_publishing_respects_the_minimum_periods(kit: Any) -> None:
    s = spec(kit)
    check_publishable(s, now=NOW, min_enquiry_days=5, min_tender_days=10)
    with pytest.raises(ValidationProblem) as caught:
        check_publishable(s, now=NOW, min_enquiry_days=6, min_tender_days=11)
    assert len(caught.value.extensions["errors"]) == 2


def bid(bid_id: str, price: str, quality: int | None, social: int | None, minute: int) -> Bid:
    at = NOW + timedelta(minutes=minute)
    return Bid(
        id=bid_id,
        commission_id="c",
        lot_id="lot-1",
        enterprise_id=f"e-{bid_id}",
        price=Decimal(price),
        proposal="p",
        commitments=[],
        submitted_at=at,
        updated_at=at,
        quality_score=None if quality is None else Decimal(quality),
        social_value_score=None if social is None else Decimal(social),
    )


def test_price_scores_are_lowest_price_over_bid_price(kit: Any) -> None:
    scores = price_scores([bid("a", "4000", 1, 1, 0), bid("b", "5000", 1, 1, 1)])
    assert scores == {"a": Decimal(100), "b": Decimal(80)}


def test_totals_are_weighted_sums_in_exact_decimals(kit: Any) -> None:
    s = spec(kit)
    b = bid("a", "3000", 77, 33, 0)
    # 40 × 100/100 + 40 × 77/100 + 20 × 33/100 = 40 + 30.8 + 6.6
    assert total_score(s, b, Decimal(100)) == Decimal("77.4")
    assert total_score(s, bid("b", "1", None, 10, 0), Decimal(100)) is None


def test_ties_go_to_the_earliest_submission(kit: Any) -> None:
    s = spec(kit)
    late, early = bid("z", "1000", 50, 50, 5), bid("y", "1000", 50, 50, 1)
    assert [r.bid.id for r in rank(s, [late, early])] == ["y", "z"]
    better = bid("x", "1000", 90, 50, 9)
    assert [r.rank for r in rank(s, [late, early, better])] == [1, 2, 3]
    assert rank(s, [late, early, better])[0].bid.id == "x"


def applicant(**fields: Any) -> Applicant:
    values: dict[str, Any] = {
        "id": "e",
        "name": "E",
        "status": "verified",
        "legal_form": "cic_limited_by_guarantee",
        "size": "micro",
        "areas_served": ("E06000009",),
        "mission": "m",
        "independent": True,
        "trading_income_pct": Decimal(60),
        "profit_reinvested_pct": Decimal(60),
        "asset_lock": None,
        "publishes_social_report": True,
    }
    values.update(fields)
    return Applicant(**values)


def test_every_unmet_eligibility_rule_is_listed(areas: Any) -> None:
    rules = Eligibility(
        legal_forms=["cooperative_society"],
        max_size="micro",
        must_serve_area=True,
        social_enterprise_only=True,
    )
    who = applicant(
        status="suspended",
        size="medium",
        areas_served=("E05015200",),
        independent=False,
        trading_income_pct=None,
    )
    unmet = unmet_rules(who, rules, lot_areas=["E05015186"], areas=areas)
    assert [u["rule"] for u in unmet] == [
        "verified",
        "legal_form",
        "max_size",
        "must_serve_area",
        "social_enterprise.independence",
        "social_enterprise.trading_income",
    ]


def test_serving_a_lad_covers_its_wards_and_lsoas(areas: Any) -> None:
    rules = Eligibility(must_serve_area=True)
    lsoa = next(iter(areas.lsoas("E05015186")))
    assert unmet_rules(applicant(), rules, lot_areas=["E05015186", lsoa], areas=areas) == []
    ward_only = applicant(areas_served=("E05015186",))
    assert unmet_rules(ward_only, rules, lot_areas=[lsoa], areas=areas) == []


def test_a_cic_has_a_statutory_asset_lock_but_a_company_needs_one(areas: Any) -> None:
    rules = Eligibility(social_enterprise_only=True)
    assert unmet_rules(applicant(), rules, lot_areas=[], areas=areas) == []
    company = applicant(legal_form="company_limited_by_guarantee", asset_lock=False)
    assert [u["rule"] for u in unmet_rules(company, rules, lot_areas=[], areas=areas)] == [
        "social_enterprise.asset_lock"
    ]


def test_an_unknown_enterprise_is_not_eligible(areas: Any) -> None:
    assert unmet_rules(None, Eligibility(), lot_areas=[], areas=areas)[0]["rule"] == "registered"
