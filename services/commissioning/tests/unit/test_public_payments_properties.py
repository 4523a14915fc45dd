"""No public payment figure reveals a sensitive count of 1–4, whatever happens (hypothesis).

The attacker is stronger than reality: it knows the exact non-sensitive amount of every period,
the rate-card prices, every published snapshot in order (events, releases) and, for the units
figures, treats published values as exact. From the payment figures it can only learn the
sensitive part of a period, ``amount − non-sensitive``, and differences of such parts across
periods and successive snapshots; the units figures it can difference along the relation
"whole contract = its periods". None of these may be a count from 1 to 4.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.events import ContractPaymentsUpdated
from streetlevel.commissioning.domain.public_ledger import PublicPayments
from streetlevel.commissioning.domain.values import Money, PaymentLine, RateCardItem
from streetlevel.common.disclosure import is_small

NOW = datetime(2027, 1, 1, tzinfo=UTC)
PERIODS = [("2027-01-01", "2027-03-31"), ("2027-04-01", "2027-06-30"), ("2027-07-01", "2027-09-30")]
PRICE = Decimal("33.33")
steps = st.lists(
    st.tuples(
        st.sampled_from(["verify", "verify", "withdraw"]),
        st.integers(min_value=0, max_value=7),  # observation number
        st.sampled_from(["hires", "hours"]),
        st.integers(min_value=0, max_value=2),  # period
        st.integers(min_value=1, max_value=12),  # value
    ),
    max_size=25,
)


def contract() -> Contract:
    return Contract(
        id="k",
        payment_model="outcomes",  # paid by the rate card alone
        value=Decimal("1000000.00"),
        rate_card=[
            RateCardItem(indicator_code="hires", price_per_unit=Money(amount=PRICE)),
            RateCardItem(indicator_code="hours", price_per_unit=Money(amount=Decimal("7.00"))),
        ],
        period_start=NOW,
        period_end=NOW,
    )


def exact_units(lines: list[PaymentLine]) -> dict[tuple[str, str], Decimal]:
    units: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        if line.indicator_code == "hires":
            key = (line.period_start, line.period_end)
            units[key] = units.get(key, Decimal(0)) + line.units
    return units


def sensitive_parts(public: PublicPayments, lines: list[PaymentLine]) -> dict[str, Decimal]:
    """What the attacker reads off the public periods: the sensitive amount of each period."""
    parts = {}
    for p in public.periods:
        key = (p.period.start, p.period.end)
        non_sensitive = sum(
            (
                ln.amount
                for ln in lines
                if ln.indicator_code == "hours" and (ln.period_start, ln.period_end) == key
            ),
            Decimal(0),
        )
        if p.suppressed:
            assert p.amount.amount == max(non_sensitive, Decimal(0))  # the rest alone
        else:
            parts[p.period.start] = p.amount.amount - max(non_sensitive, Decimal(0))
    return parts


def assert_no_small_count(amounts: list[Decimal]) -> None:
    for amount in amounts:
        units = amount / PRICE
        assert units == units.to_integral_value(), amount
        assert not is_small(abs(units)), amount
        assert units % 5 == 0, amount


@settings(max_examples=300, deadline=None)
@given(steps=steps)
def test_no_public_figure_or_difference_reveals_a_sensitive_count_from_one_to_four(
    steps: list[tuple[str, int, str, int, int]],
) -> None:
    c, lines = contract(), []
    seen: list[dict[str, Decimal]] = []
    events: list[ContractPaymentsUpdated] = []
    for action, n, code, period, value in steps:
        obs_id = f"{code}-{n}"
        if action == "verify":
            start, end = PERIODS[period]
            obs = VerifiedObservation(obs_id, code, start, end, None, Decimal(value))
            line = c.price(obs, lines)
        else:
            line = c.reverse(obs_id, lines, reason="withdrawn")
        if line is None:
            continue
        lines.append(line)
        before = c.public_payments
        changed = c.publish_payments(lines, {"hires"})
        public = c.public_payments
        assert changed == (public != before)  # hidden changes publish nothing
        emitted = [e.payload for e in c.take_events()]
        for event in emitted:
            assert isinstance(event, ContractPaymentsUpdated)
            assert (event.periods, event.total) == (public.periods, public.total)
        events += emitted  # type: ignore[arg-type]
        assert public.total.amount == sum((p.amount.amount for p in public.periods), Decimal(0))
        parts = sensitive_parts(public, lines)
        # Each part, each difference of two periods, and each change since every earlier
        # snapshot is a whole multiple of 5 people × the price: never 1–4 people.
        assert_no_small_count(list(parts.values()))
        assert_no_small_count([a - b for a in parts.values() for b in parts.values()])
        for earlier in seen:
            assert_no_small_count([parts[k] - earlier[k] for k in parts.keys() & earlier.keys()])
        seen.append(parts)
        # Rounding moves a figure by at most 2.5 people.
        exact = exact_units(lines)
        for start, amount in parts.items():
            key = next(p for p in PERIODS if p[0] == start)
            assert abs(amount / PRICE - max(exact.get(key, Decimal(0)), Decimal(0))) <= Decimal(
                "2.5"
            )
        # Units figures: published (taken as exact) whole and periods never give a 1–4 away.
        hires = next((m for m in public.metrics if m.indicator_code == "hires"), None)
        if hires is not None:
            whole = next(f for f in hires.figures if f.period is None)
            hidden = [
                max(exact.get((f.period.start, f.period.end), Decimal(0)), Decimal(0))
                for f in hires.figures
                if f.period is not None and f.suppressed
            ]
            for f in hires.figures:
                assert f.suppressed == (f.units is None)
            assert len(hidden) != 1 or whole.suppressed
            if not whole.suppressed:
                assert not is_small(sum(hidden, Decimal(0)))
            elif is_small(sum(exact.values(), Decimal(0))):
                assert hidden  # else the published periods would add up to the whole
    for a, b in itertools.pairwise(events):
        assert (a.periods, a.total) != (b.periods, b.total)  # successive events always differ
