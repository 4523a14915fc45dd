"""The outcome payment ledger: pricing, caps, reversals and idempotency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.values import Money, PaymentLine, RateCardItem

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def contract(value: str = "1000.00", max_units: str | None = "10") -> Contract:
    return Contract(
        id="k",
        payment_model="outcomes",  # paid by the rate card alone
        value=Decimal(value),
        rate_card=[
            RateCardItem(
                indicator_code="jobs",
                price_per_unit=Money(amount=Decimal("75.50")),
                max_units=None if max_units is None else Decimal(max_units),
            )
        ],
        period_start=NOW,
        period_end=NOW,
    )


def obs(
    obs_id: str, value: str, code: str = "jobs", quarter: str = "2027-01-01"
) -> VerifiedObservation:
    return VerifiedObservation(obs_id, code, quarter, "2027-03-31", "E05015186", Decimal(value))


def post(c: Contract, lines: list[PaymentLine], line: PaymentLine | None) -> None:
    assert line is not None
    lines.append(line)


def test_verified_units_are_priced_by_the_rate_card_with_a_running_total() -> None:
    c, lines = contract(), []
    post(c, lines, c.price(obs("o1", "3"), lines))
    post(c, lines, c.price(obs("o2", "2.5"), lines))
    assert [(ln.amount, ln.running_total) for ln in lines] == [
        (Decimal("226.50"), Decimal("226.50")),
        (Decimal("188.75"), Decimal("415.25")),
    ]
    assert c.paid_total == Decimal("415.25")


def test_max_units_caps_the_units_cumulatively() -> None:
    c, lines = contract(value="100000.00"), []
    post(c, lines, c.price(obs("o1", "8"), lines))
    post(c, lines, c.price(obs("o2", "5"), lines))
    assert lines[1].units == Decimal(2)
    assert lines[1].note == "capped at max_units 10"
    assert c.price(obs("o3", "1"), lines) is None


def test_the_contract_value_caps_the_amount() -> None:
    c, lines = contract(value="200.00", max_units=None), []
    post(c, lines, c.price(obs("o1", "2"), lines))
    post(c, lines, c.price(obs("o2", "2"), lines))
    assert [ln.amount for ln in lines] == [Decimal("151.00"), Decimal("49.00")]
    assert c.paid_total == Decimal("200.00")
    assert "contract value" in (lines[1].note or "")


def test_the_same_observation_is_paid_once() -> None:
    c, lines = contract(), []
    post(c, lines, c.price(obs("o1", "3"), lines))
    assert c.price(obs("o1", "3"), lines) is None


def test_a_withdrawal_reverses_the_line_and_frees_the_units() -> None:
    c, lines = contract(), []
    post(c, lines, c.price(obs("o1", "10"), lines))
    post(c, lines, c.reverse("o1", lines, reason="verification withdrawn"))
    assert lines[1].kind == "reversal"
    assert lines[1].amount == Decimal("-755.00")
    assert lines[1].running_total == Decimal(0)
    assert lines[0].reversed
    assert c.reverse("o1", lines, reason="again") is None
    post(c, lines, c.price(obs("o2", "10"), lines))
    assert lines[2].units == Decimal(10)


def test_an_unpriced_indicator_makes_no_line() -> None:
    c = contract()
    assert c.price(obs("o1", "3", code="other"), []) is None
    assert c.take_events() == []


def test_a_line_publishes_totals_per_period_without_units() -> None:
    c, lines = contract(), []
    post(c, lines, c.price(obs("o1", "1"), lines))
    post(c, lines, c.price(obs("o2", "2", quarter="2027-04-01"), lines))
    assert c.take_events() == []  # pricing alone publishes nothing
    assert c.publish_payments(lines, sensitive=set())
    event = c.take_events()[-1].payload.model_dump(mode="json")
    assert event == {
        "contract_id": "k",
        "periods": [
            {
                "period": {"start": "2027-01-01", "end": "2027-03-31"},
                "amount": {"amount": "75.50", "currency": "GBP"},
                "suppressed": False,
                "rounded": False,
            },
            {
                "period": {"start": "2027-04-01", "end": "2027-03-31"},
                "amount": {"amount": "151.00", "currency": "GBP"},
                "suppressed": False,
                "rounded": False,
            },
        ],
        "total": {"amount": "226.50", "currency": "GBP"},
        "suppressed": False,
    }
    assert not c.publish_payments(lines, sensitive=set())
    assert c.take_events() == []
