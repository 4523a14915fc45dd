"""The implied 30-day payment term (s.68 above threshold, s.88 below it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from streetlevel.commissioning.domain.procurement.payment import payment_due
from streetlevel.commissioning.domain.procurement.thresholds import Routing, classify
from streetlevel.commissioning.domain.values import Money


def routed(amount: str, grant: bool = False) -> Routing:
    return classify(
        [Money(amount=Decimal(amount))],
        kind="services",
        nation="england",
        started_on=date(2026, 3, 1),
        grant=grant,
    )


def test_a_valid_invoice_is_paid_within_thirty_days_beginning_with_its_receipt() -> None:
    for amount in ("300000", "60000", "1000"):
        assert payment_due(routed(amount), invoice_received_on=date(2026, 5, 1)) == date(
            2026, 5, 30
        )


def test_a_later_due_date_on_the_invoice_wins() -> None:
    due = payment_due(
        routed("60000"), invoice_received_on=date(2026, 5, 1), due_on_invoice=date(2026, 6, 30)
    )
    assert due == date(2026, 6, 30)
    earlier = payment_due(
        routed("60000"), invoice_received_on=date(2026, 5, 1), due_on_invoice=date(2026, 5, 10)
    )
    assert earlier == date(2026, 5, 30)


def test_a_grant_carries_no_statutory_payment_term() -> None:
    assert payment_due(routed("60000", grant=True), invoice_received_on=date(2026, 5, 1)) is None
