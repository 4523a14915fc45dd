"""Ledger invariants under any order of verifications and withdrawals (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.values import Money, PaymentLine, RateCardItem

NOW = datetime(2027, 1, 1, tzinfo=UTC)
steps = st.lists(
    st.tuples(
        st.sampled_from(["verify", "withdraw"]),
        st.integers(min_value=0, max_value=5),
        st.decimals(min_value=0, max_value=30, places=1, allow_nan=False, allow_infinity=False),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(steps=steps, value=st.integers(min_value=0, max_value=3000))
def test_payments_never_exceed_the_caps_and_lines_add_up(
    steps: list[tuple[str, int, Decimal]], value: int
) -> None:
    c = Contract(
        id="k",
        payment_model="outcomes",  # paid by the rate card alone
        value=Decimal(value),
        rate_card=[
            RateCardItem(
                indicator_code="jobs",
                price_per_unit=Money(amount=Decimal("33.33")),
                max_units=Decimal(25),
            )
        ],
        period_start=NOW,
        period_end=NOW,
    )
    lines: list[PaymentLine] = []
    for action, n, units in steps:
        obs_id = f"o{n}"
        if action == "verify":
            obs = VerifiedObservation(obs_id, "jobs", "2027-01-01", "2027-03-31", None, units)
            line = c.price(obs, lines)
        else:
            line = c.reverse(obs_id, lines, reason="withdrawn")
        if line is not None:
            lines.append(line)
        assert Decimal(0) <= c.paid_total <= c.value
        assert sum((ln.units for ln in lines), Decimal(0)) <= 25
        assert c.paid_total == sum((ln.amount for ln in lines), Decimal(0))
        assert [ln.line_no for ln in lines] == list(range(1, len(lines) + 1))
    live = [ln for ln in lines if ln.kind == "payment" and not ln.reversed]
    assert len({ln.observation_id for ln in live}) == len(live)
