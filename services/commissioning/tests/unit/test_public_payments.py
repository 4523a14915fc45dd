"""What the public sees of the ledger: sensitive counts disclosure-controlled, parties exact."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.public_ledger import public_payments
from streetlevel.commissioning.domain.values import Money, PaymentLine, RateCardItem

NOW = datetime(2027, 1, 1, tzinfo=UTC)
Q1, Q2 = ("2027-01-01", "2027-03-31"), ("2027-04-01", "2027-06-30")
SENSITIVE = {"hires"}


def contract() -> Contract:
    return Contract(
        id="k",
        payment_model="outcomes",  # paid by the rate card alone
        value=Decimal("100000.00"),
        rate_card=[
            RateCardItem(indicator_code="hires", price_per_unit=Money(amount=Decimal("50.00"))),
            RateCardItem(indicator_code="hours", price_per_unit=Money(amount=Decimal("10.00"))),
        ],
        period_start=NOW,
        period_end=NOW,
    )


def verify(
    c: Contract, lines: list[PaymentLine], obs_id: str, value: int, code: str = "hires", q=Q1
) -> None:
    line = c.price(VerifiedObservation(obs_id, code, q[0], q[1], None, Decimal(value)), lines)
    assert line is not None
    lines.append(line)


def test_a_sensitive_count_of_three_is_suppressed_and_only_the_rest_is_published() -> None:
    c, lines = contract(), []
    verify(c, lines, "o1", 3)
    verify(c, lines, "o2", 7, code="hours")
    public = public_payments(lines, SENSITIVE)
    [period] = public.periods
    assert (period.amount.amount, period.suppressed, period.rounded) == (
        Decimal("70.00"),
        True,
        False,
    )
    assert (public.total.amount, public.suppressed) == (Decimal("70.00"), True)
    hires = next(m for m in public.metrics if m.indicator_code == "hires")
    assert [(f.units, f.suppressed) for f in hires.figures] == [(None, True), (None, True)]
    assert c.paid_total == Decimal("220.00")  # the parties' exact figure is unchanged


def test_sensitive_units_are_rounded_to_five_and_priced_by_the_rate_card() -> None:
    c, lines = contract(), []
    verify(c, lines, "o1", 13)
    verify(c, lines, "o2", 7, code="hours")
    [period] = public_payments(lines, SENSITIVE).periods
    assert (period.amount.amount, period.rounded) == (Decimal("820.00"), True)  # 15 × 50 + 70


def test_a_period_beside_a_suppressed_one_is_suppressed_too_when_the_whole_is_published() -> None:
    c, lines = contract(), []
    verify(c, lines, "o1", 3)
    verify(c, lines, "o2", 10, q=Q2)
    public = public_payments(lines, SENSITIVE)
    assert [p.suppressed for p in public.periods] == [True, True]
    hires = public.metrics[0]
    # The whole (13 → 15) stays; 15 − 10 would otherwise give the 3 back (up to rounding).
    assert [(f.period is None, f.units) for f in hires.figures] == [
        (True, Decimal(15)),
        (False, None),
        (False, None),
    ]


def test_an_insensitive_indicator_is_published_exactly() -> None:
    c, lines = contract(), []
    verify(c, lines, "o1", 3, code="hours")
    public = public_payments(lines, SENSITIVE)
    assert public.periods[0].amount.amount == Decimal("30.00")
    assert not public.periods[0].suppressed
    assert [f.units for f in public.metrics[0].figures] == [Decimal(3), Decimal(3)]


def test_a_change_the_public_cannot_see_publishes_no_event() -> None:
    c, lines = contract(), []
    verify(c, lines, "o1", 10)
    assert c.publish_payments(lines, SENSITIVE)
    assert len(c.take_events()) == 1
    verify(c, lines, "o2", 2)  # 12 people: still 10 in public
    assert not c.publish_payments(lines, SENSITIVE)
    assert c.take_events() == []
    verify(c, lines, "o3", 1)  # 13 people: 15 in public
    assert c.publish_payments(lines, SENSITIVE)
    [event] = c.take_events()
    assert event.payload.model_dump(mode="json")["periods"][0]["amount"]["amount"] == "750.00"


def test_a_withdrawal_back_to_a_small_count_suppresses_the_period_again() -> None:
    c, lines = contract(), []
    verify(c, lines, "o1", 3)
    verify(c, lines, "o2", 10)
    reversal = c.reverse("o2", lines, reason="verification withdrawn")
    assert reversal is not None
    lines.append(reversal)
    [period] = public_payments(lines, SENSITIVE).periods
    assert (period.amount.amount, period.suppressed) == (Decimal("0.00"), True)
