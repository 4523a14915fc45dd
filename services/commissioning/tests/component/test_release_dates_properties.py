"""No OCDS release is dated before anything it reports, whatever the timeline (hypothesis).

Generated timelines: a contract starting some days after its award, the buyer activating at
any moment, the scheduler ticking, verified figures arriving for any 30-day period at any
time. Whatever is refused is refused; whatever is accepted is released at that moment, and
no transaction, award or amendment in the release may be dated after the release, nor a
contract be ``active`` before its start.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streetlevel.commissioning.adapters.ocds import build_release
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.errors import IllegalStatus, PeriodNotEnded
from streetlevel.commissioning.domain.values import CommissionSpec, Money, PaymentLine, RateCardItem

AWARD = datetime(2027, 2, 10, 15, 30, tzinfo=UTC)
steps = st.lists(
    st.tuples(
        st.sampled_from(["activate", "tick", "verify", "verify"]),
        st.integers(min_value=0, max_value=45),  # days since the previous step
        st.integers(min_value=0, max_value=23),  # and hours
        st.integers(min_value=0, max_value=5),  # which 30-day period a figure is for
        st.integers(min_value=1, max_value=30),  # its value
    ),
    max_size=30,
)


def dates(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every ``date`` of an event in a release (period bounds are not events)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "date" and isinstance(value, str):
                yield path, value
            else:
                yield from dates(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from dates(item, f"{path}[]")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start_days=st.integers(min_value=0, max_value=60), timeline=steps)
def test_no_release_is_dated_before_what_it_reports(
    kit: Any, start_days: int, timeline: list[tuple[str, int, int, int, int]]
) -> None:
    spec = CommissionSpec.model_validate(
        {k: v for k, v in kit.commission_body(AWARD).items() if k != "buyer_name"}
    )
    commission = Commission.draft(
        id="c",
        ocid="ocds-test-c",
        buyer_id="GB-LAE-BPL",
        buyer_name="Blackpool Council",
        buyer_area=kit.blackpool,
        spec=spec,
        now=AWARD - timedelta(days=30),
    )
    start = AWARD + timedelta(days=start_days)
    contract = Contract(
        id="k",
        commission_id="c",
        ocid="ocds-test-c",
        lot_id="lot-1",
        lot_title="Anchorsholme",
        buyer_id="GB-LAE-BPL",
        buyer_name="Blackpool Council",
        supplier_id="e",
        supplier_name="Ward Friends CIC",
        value=Decimal("100000.00"),
        rate_card=[
            RateCardItem(indicator_code="visits", price_per_unit=Money(amount=Decimal("20.00")))
        ],
        payment_model="outcomes",
        period_start=start,
        period_end=start + timedelta(days=365),
        standstill_end=AWARD,
        created_at=AWARD,
    )
    lines: list[PaymentLine] = []
    now = AWARD
    for n, (action, days, hours, period, value) in enumerate(timeline):
        now += timedelta(days=days, hours=hours)
        if action == "activate" and contract.status == "pending" and not contract.activate_at:
            contract.activate(now=now)
        elif action == "tick" and contract.activate_at and now >= contract.activate_at:
            assert contract.activate(now=now)
        elif action == "verify":
            first = start.date() + timedelta(days=30 * period)
            try:
                line = contract.price(
                    VerifiedObservation(
                        f"o{n}",
                        "visits",
                        first.isoformat(),
                        (first + timedelta(days=29)).isoformat(),
                        None,
                        Decimal(value),
                    ),
                    lines,
                    now=now,
                )
            except PeriodNotEnded:
                assert first + timedelta(days=29) >= now.date()
                continue
            if line is not None:
                lines.append(line)
                contract.publish_payments(lines, sensitive=())
        elif action == "activate":
            with contextlib.suppress(IllegalStatus):
                contract.activate(now=now)
        release = build_release(
            commission,
            contracts=[contract],
            enterprises={},
            tag="implementation",
            release_id=f"r{n}",
            date=now,
            base_url="https://api.example.org",
        )
        released = datetime.fromisoformat(release["date"])
        for path, when in dates(release):
            assert datetime.fromisoformat(when) <= released, (path, when, release["date"])
        status = release["contracts"][0]["status"]
        assert status != "active" or now >= start, "active before its start"
        if contract.activate_at is not None:
            assert status == "pending"
