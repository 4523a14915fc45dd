"""Value routing: dated, sourced Schedule 1 thresholds and the Part 6 notifiable floor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streetlevel.commissioning.domain.procurement.errors import ProcurementRuleBroken
from streetlevel.commissioning.domain.procurement.thresholds import (
    THRESHOLDS,
    classify,
    threshold,
)
from streetlevel.commissioning.domain.values import Money

NEW_YEAR_2026 = date(2026, 1, 1)


def gbp(amount: str) -> Money:
    return Money(amount=Decimal(amount))


def test_every_threshold_row_cites_a_stored_source() -> None:
    for row in THRESHOLDS:
        assert row.source.url.startswith("http")
        assert row.source.title
        assert row.source.section
        assert row.amount > 0


@pytest.mark.parametrize(
    ("name", "started_on", "nation", "amount"),
    [
        ("goods_services", date(2025, 2, 24), "england", "214904"),
        ("goods_services", date(2025, 12, 31), "wales", "214904"),
        ("goods_services", NEW_YEAR_2026, "england", "207720"),
        ("goods_services", NEW_YEAR_2026, "wales", "207720"),
        ("light_touch", date(2025, 6, 1), "england", "663540"),
        ("light_touch", date(2026, 6, 1), "wales", "663540"),
        ("works", date(2025, 6, 1), "england", "5372609"),
        ("works", date(2026, 6, 1), "england", "5193000"),
        ("notifiable_below_threshold", date(2026, 6, 1), "wales", "30000"),
    ],
)
def test_the_amount_in_force_depends_on_when_the_procurement_started(
    name: str, started_on: date, nation: str, amount: str
) -> None:
    assert threshold(name, started_on=started_on, nation=nation).amount == Decimal(amount)  # type: ignore[arg-type]


def test_a_procurement_started_before_the_act_is_refused_with_its_reason() -> None:
    with pytest.raises(ProcurementRuleBroken) as err:
        classify([gbp("1000")], kind="services", nation="england", started_on=date(2025, 2, 23))
    assert err.value.status == 422
    assert "Public Contracts Regulations 2015" in err.value.detail


def test_a_value_equal_to_the_threshold_is_above_it() -> None:
    routing = classify([gbp("207720")], kind="services", nation="england", started_on=NEW_YEAR_2026)
    assert routing.classification == "above_threshold"
    assert routing.covered
    assert "not less than" in routing.reason
    assert "s.3(2)" in routing.reason


def test_a_penny_below_the_threshold_is_a_regulated_below_threshold_contract() -> None:
    routing = classify(
        [gbp("207719.99")], kind="services", nation="england", started_on=NEW_YEAR_2026
    )
    assert routing.classification == "regulated_below_threshold"
    assert routing.notifiable
    assert routing.part6_procedure_applies


def test_thirty_thousand_is_notifiable_and_a_penny_less_is_not() -> None:
    at = classify([gbp("30000")], kind="services", nation="england", started_on=NEW_YEAR_2026)
    under = classify([gbp("29999.99")], kind="services", nation="england", started_on=NEW_YEAR_2026)
    assert at.classification == "regulated_below_threshold"
    assert under.classification == "not_regulated"
    assert "s.85" in under.reason
    assert under.part6_procedure_applies


def test_the_old_threshold_stays_with_a_procurement_started_before_the_change() -> None:
    value = [gbp("210000")]
    before = classify(value, kind="services", nation="england", started_on=date(2025, 12, 31))
    after = classify(value, kind="services", nation="england", started_on=NEW_YEAR_2026)
    assert before.classification == "regulated_below_threshold"
    assert before.threshold.amount == Decimal("214904")
    assert after.classification == "above_threshold"


def test_lots_are_valued_together_so_splitting_does_not_escape_the_threshold() -> None:
    routing = classify(
        [gbp("110000"), gbp("110000")], kind="services", nation="england", started_on=NEW_YEAR_2026
    )
    assert routing.classification == "above_threshold"
    assert routing.value_incl_vat.amount == Decimal("220000")
    assert "Schedule 3" in routing.reason


def test_light_touch_services_have_their_own_higher_threshold() -> None:
    routing = classify(
        [gbp("500000")], kind="light_touch", nation="wales", started_on=NEW_YEAR_2026
    )
    assert routing.classification == "regulated_below_threshold"
    assert routing.threshold.amount == Decimal("663540")


def test_a_grant_is_outside_the_act_at_any_value() -> None:
    routing = classify(
        [gbp("900000")], kind="services", nation="england", started_on=NEW_YEAR_2026, grant=True
    )
    assert routing.classification == "not_regulated"
    assert routing.outside_act
    assert not routing.part6_procedure_applies
    assert "pecuniary interest" in routing.reason


def test_part6_procedure_rules_do_not_bind_welsh_councils() -> None:
    routing = classify([gbp("50000")], kind="services", nation="wales", started_on=NEW_YEAR_2026)
    assert routing.classification == "regulated_below_threshold"
    assert not routing.part6_procedure_applies


order = ["not_regulated", "regulated_below_threshold", "above_threshold"]


@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2),
    st.decimals(min_value=0, max_value=10_000_000, places=2),
    st.sampled_from(["goods", "services", "light_touch", "works"]),
    st.dates(min_value=date(2025, 2, 24), max_value=date(2030, 12, 31)),
)
def test_classification_never_falls_as_the_value_rises(
    a: Decimal, b: Decimal, kind: str, started_on: date
) -> None:
    low, high = sorted((a, b))
    r_low = classify([Money(amount=low)], kind=kind, nation="england", started_on=started_on)  # type: ignore[arg-type]
    r_high = classify([Money(amount=high)], kind=kind, nation="england", started_on=started_on)  # type: ignore[arg-type]
    assert order.index(r_low.classification) <= order.index(r_high.classification)
