"""Payment models under any schedule and any order of events (hypothesis).

Whatever the model, value, split and schedule, and whatever verifications, duplicates and
withdrawals arrive: the sum paid never exceeds the contract value, the outcomes part never
exceeds its cap or the rate card's ``max_units``, the schedule pays the fixed part exactly,
and every verified unit is paid exactly once.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.schedule import split
from streetlevel.commissioning.domain.values import Instalment, Money, PaymentLine, RateCardItem

NOW = datetime(2027, 1, 1, tzinfo=UTC)
MAX_UNITS = Decimal(40)


@st.composite
def shares(draw: st.DrawFn) -> list[Decimal]:
    """Percent shares with one decimal place that sum to exactly 100."""
    n = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(1, 999), min_size=n - 1, max_size=n - 1, unique=True)))
    bounds = [0, *cuts, 1000]
    return [Decimal(b - a) / 10 for a, b in itertools.pairwise(bounds)]


events = st.lists(
    st.tuples(
        st.sampled_from(["verify", "verify", "duplicate", "withdraw"]),
        st.integers(min_value=0, max_value=6),
        st.integers(min_value=0, max_value=20),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(
    model=st.sampled_from(["fixed", "blended", "outcomes"]),
    value=st.integers(min_value=0, max_value=500_000).map(lambda p: Decimal(p) / 100),
    pct=st.integers(min_value=0, max_value=100).map(Decimal),
    plan=shares(),
    offsets=st.lists(st.integers(0, 365), min_size=6, max_size=6),
    steps=events,
)
def test_the_sum_paid_never_exceeds_the_value_or_the_caps_and_each_unit_is_paid_once(
    model: str,
    value: Decimal,
    pct: Decimal,
    plan: list[Decimal],
    offsets: list[int],
    steps: list[tuple[str, int, int]],
) -> None:
    c = Contract(
        id="k",
        value=value,
        payment_model=model,
        outcomes_share_pct=pct if model == "blended" else None,
        instalments=[
            Instalment(offset_days=o, share_pct=s) for o, s in zip(offsets, plan, strict=False)
        ],
        rate_card=[
            RateCardItem(
                indicator_code="jobs",
                price_per_unit=Money(amount=Decimal("37.50")),
                max_units=MAX_UNITS,
            )
        ],
        period_start=NOW,
        period_end=NOW,
    )
    fixed, cap = split(value, model, c.outcomes_share_pct)
    scheduled = c.schedule()
    assert sum((i.amount for i in scheduled), Decimal(0)) == fixed
    assert all(i.amount >= 0 for i in scheduled)
    lines: list[PaymentLine] = []
    delivered: dict[str, int] = {}
    last: VerifiedObservation | None = None
    for action, n, units in steps:
        obs_id = f"o{n}"
        if action == "duplicate" and last is not None:
            obs = last  # the same verified event delivered again
        elif action == "withdraw":
            line = c.reverse(obs_id, lines, reason="withdrawn")
            if line is not None:
                lines.append(line)
            continue
        else:
            obs = VerifiedObservation(
                obs_id, "jobs", "2027-01-01", "2027-03-31", None, Decimal(units)
            )
        last = obs
        line = c.price(obs, lines)
        if line is not None:
            lines.append(line)
            delivered[obs.observation_id] = delivered.get(obs.observation_id, 0) + 1
        outcome_net = sum((ln.amount for ln in lines), Decimal(0))
        assert Decimal(0) <= outcome_net <= cap
        assert fixed + outcome_net <= value
        assert sum((ln.units for ln in lines), Decimal(0)) <= MAX_UNITS
    # Exactly once: at most one live payment line per observation, however often delivered.
    live = [ln for ln in lines if ln.kind == "payment" and not ln.reversed]
    assert len({ln.observation_id for ln in live}) == len(live)
    for obs_id, times in delivered.items():
        reversals = sum(1 for ln in lines if ln.kind == "reversal" and ln.observation_id == obs_id)
        assert times - reversals in (0, 1)
    if model == "fixed":
        assert not lines, "a fixed contract pays nothing by the rate card"
