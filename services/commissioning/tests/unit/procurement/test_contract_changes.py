"""Contract change notices (s.75) and contract termination notices (s.80)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streetlevel.commissioning.domain.procurement.contract_changes import (
    contract_change,
    termination_notice_due,
)
from streetlevel.commissioning.domain.procurement.thresholds import Routing, classify
from streetlevel.commissioning.domain.values import Money


def routed(amount: str, kind: str = "services", grant: bool = False) -> Routing:
    return classify(
        [Money(amount=Decimal(amount))],
        kind=kind,  # type: ignore[arg-type]
        nation="england",
        started_on=date(2026, 3, 1),
        grant=grant,
    )


def gbp(amount: str) -> Money:
    return Money(amount=Decimal(amount))


@pytest.mark.parametrize(
    ("after", "term_after", "required"),
    [
        ("330000", 24, False),  # +10 % value, term unchanged
        ("330000.01", 24, True),  # just over 10 %
        ("300000", 26, False),  # +8.3 % term
        ("300000", 27, True),  # +12.5 % term
        ("270000", 24, False),  # -10 % value
    ],
)
def test_a_public_services_contract_needs_a_uk10_beyond_ten_per_cent(
    after: str, term_after: int, required: bool
) -> None:
    decision = contract_change(
        routed("300000"),
        value_before=gbp("300000"),
        value_after=gbp(after),
        term_months_before=24,
        term_months_after=term_after,
    )
    assert decision.notice_required is required
    assert "s.75" in decision.reason


def test_works_contracts_have_a_fifteen_per_cent_margin() -> None:
    decision = contract_change(
        routed("6000000", kind="works"),
        value_before=gbp("6000000"),
        value_after=gbp("6840000"),
        term_months_before=24,
        term_months_after=24,
    )
    assert not decision.notice_required


def test_light_touch_contracts_need_no_change_notice() -> None:
    decision = contract_change(
        routed("900000", kind="light_touch"),
        value_before=gbp("900000"),
        value_after=gbp("1800000"),
        term_months_before=24,
        term_months_after=48,
    )
    assert not decision.notice_required
    assert "s.75(6)" in decision.reason


def test_a_below_threshold_contract_pushed_over_the_threshold_becomes_convertible() -> None:
    routing = routed("150000")
    stays = contract_change(
        routing,
        value_before=gbp("150000"),
        value_after=gbp("200000"),
        term_months_before=12,
        term_months_after=12,
    )
    converts = contract_change(
        routing,
        value_before=gbp("150000"),
        value_after=gbp("207720"),
        term_months_before=12,
        term_months_after=12,
    )
    assert not stays.notice_required
    assert converts.notice_required
    assert "convertible" in converts.reason


def test_grants_never_need_change_or_termination_notices() -> None:
    routing = routed("500000", grant=True)
    decision = contract_change(
        routing,
        value_before=gbp("500000"),
        value_after=gbp("900000"),
        term_months_before=12,
        term_months_after=36,
    )
    assert not decision.notice_required
    assert termination_notice_due(routing, ended_on=date(2026, 9, 30)) is None


def test_a_uk11_is_due_within_thirty_days_of_a_public_contract_ending() -> None:
    assert termination_notice_due(routed("300000"), ended_on=date(2026, 9, 30)) == date(
        2026, 10, 29
    )
    assert termination_notice_due(routed("60000"), ended_on=date(2026, 9, 30)) is None


@given(
    st.decimals(min_value=1000, max_value=5_000_000, places=2),
    st.decimals(min_value=0, max_value=2, places=4),
    st.decimals(min_value=0, max_value=2, places=4),
    st.integers(min_value=1, max_value=120),
)
def test_a_bigger_value_change_never_needs_less_notice(
    before: Decimal, ratio_a: Decimal, ratio_b: Decimal, term: int
) -> None:
    routing = routed("300000")
    afters = [(before * r).quantize(Decimal("0.01")) for r in (ratio_a, ratio_b)]
    small, large = sorted(afters, key=lambda after: abs(after - before))

    def needs(after: Decimal) -> bool:
        return contract_change(
            routing,
            value_before=Money(amount=before),
            value_after=Money(amount=after),
            term_months_before=term,
            term_months_after=term,
        ).notice_required

    assert needs(small) <= needs(large)
