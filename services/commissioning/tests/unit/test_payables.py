"""Payables, schedules and payment performance: the pure domain rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from streetlevel.commissioning.domain.errors import IllegalStatus
from streetlevel.commissioning.domain.payables import Basis, Payable, reversible
from streetlevel.commissioning.domain.payment_performance import half_year, performance, period_of
from streetlevel.commissioning.domain.schedule import due_date, instalment_amounts, schedule, split
from streetlevel.commissioning.domain.values import Instalment
from streetlevel.common.errors import ValidationProblem

NOW = datetime(2026, 8, 1, 9, tzinfo=UTC)


def payable(**kw: object) -> Payable:
    values: dict[str, object] = {
        "id": "p1",
        "contract_id": "k",
        "buyer_id": "GB-LAE-BPL",
        "supplier_id": "e1",
        "basis": Basis.INSTALMENT,
        "amount": Decimal("100.00"),
        "received_on": date(2026, 7, 1),
        "due_on": date(2026, 7, 31),
    }
    values.update(kw)
    return Payable(**values)  # type: ignore[arg-type]


def test_due_dates_are_never_more_than_30_days_after_receipt() -> None:
    assert due_date(date(2026, 7, 1), 30) == date(2026, 7, 31)
    assert due_date(date(2026, 7, 1), 14) == date(2026, 7, 15)
    assert due_date(date(2026, 7, 1), 60) == date(2026, 7, 31)


def test_a_blended_value_splits_exactly_and_the_schedule_sums_to_the_fixed_part() -> None:
    fixed, cap = split(Decimal("1000.01"), "blended", Decimal(40))
    assert (fixed, cap) == (Decimal("600.01"), Decimal("400.00"))
    assert split(Decimal("500.00"), "fixed", None) == (Decimal("500.00"), Decimal("0.00"))
    assert split(Decimal("500.00"), "outcomes", None) == (Decimal("0.00"), Decimal("500.00"))
    thirds = instalment_amounts(
        Decimal("100.00"), [Decimal("33.3"), Decimal("33.3"), Decimal("33.4")]
    )
    assert thirds == [Decimal("33.30"), Decimal("33.30"), Decimal("33.40")]
    plan = schedule(
        date(2026, 7, 1),
        fixed,
        [
            Instalment(offset_days=90, share_pct=Decimal(50)),
            Instalment(offset_days=0, share_pct=Decimal(50)),
        ],
    )
    assert [(i.number, i.on, i.amount) for i in plan] == [
        (1, date(2026, 7, 1), Decimal("300.01")),
        (2, date(2026, 9, 29), Decimal("300.00")),
    ]
    assert schedule(date(2026, 7, 1), Decimal("10.00"), [])[0].on == date(2026, 7, 1)


def test_a_payable_is_paid_disputed_resolved_and_late_with_an_event_each() -> None:
    p = payable()
    p.raise_()
    p.dispute(reason="Wrong amount", today=date(2026, 7, 5), now=NOW)
    with pytest.raises(IllegalStatus, match="resolve the dispute first"):
        p.pay(paid_on=date(2026, 7, 6), reference="R1", today=date(2026, 7, 6), now=NOW)
    p.resolve(resolution="Amount confirmed", today=date(2026, 8, 2), now=NOW)
    assert p.status == "late"
    assert p.was_late
    p.pay(paid_on=date(2026, 8, 2), reference="BACS-1", today=date(2026, 8, 2), now=NOW)
    assert (p.status, p.days_to_pay) == ("paid", 32)
    types = [e.payload.event_type for e in p.take_events()]
    assert types == [
        "commissioning.payable.raised.v1",
        "commissioning.payable.disputed.v1",
        "commissioning.payable.dispute_resolved.v1",
        "commissioning.payable.paid.v1",
    ]
    with pytest.raises(IllegalStatus):
        p.dispute(reason="again", today=date(2026, 8, 3), now=NOW)


def test_a_payment_date_lies_between_receipt_and_today() -> None:
    p = payable()
    for day in (date(2026, 6, 30), date(2026, 7, 11)):
        with pytest.raises(ValidationProblem):
            p.pay(paid_on=day, reference="R", today=date(2026, 7, 10), now=NOW)


def test_only_an_unpaid_payable_past_its_due_date_turns_late_and_never_a_credit() -> None:
    p = payable()
    assert not p.mark_late(today=date(2026, 7, 31), now=NOW)
    assert p.mark_late(today=date(2026, 8, 1), now=NOW)
    assert not p.mark_late(today=date(2026, 8, 2), now=NOW)
    credit = payable(basis=Basis.CREDIT, amount=Decimal("-50.00"))
    assert not credit.mark_late(today=date(2026, 9, 1), now=NOW)
    events = p.take_events()
    assert [e.audience for e in events] == ["enterprise:e1"]
    assert events[0].key == "k"


def test_reversal_is_allowed_only_within_the_window() -> None:
    assert reversible(date(2026, 7, 1), date(2026, 9, 29), 90)
    assert not reversible(date(2026, 7, 1), date(2026, 9, 30), 90)


def test_half_years_and_their_figures() -> None:
    assert half_year("2026-H1") == (date(2026, 4, 1), date(2026, 9, 30))
    assert half_year("2026-H2") == (date(2026, 10, 1), date(2027, 3, 31))
    assert [period_of(date(2027, m, 1)) for m in (3, 4, 9, 10)] == [
        "2026-H2",
        "2027-H1",
        "2027-H1",
        "2027-H2",
    ]
    with pytest.raises(ValidationProblem):
        half_year("2026-Q3")
    on_time = payable(id="a", status="paid", paid_on=date(2026, 7, 21))
    late_paid = payable(id="b", status="paid", paid_on=date(2026, 8, 10), was_late=True)
    unpaid = payable(id="c", received_on=date(2026, 8, 1), due_on=date(2026, 8, 31))
    disputed = payable(id="d", status="disputed", disputed_on=date(2026, 7, 3))
    credit = payable(id="e", basis=Basis.CREDIT, amount=Decimal("-5"), paid_on=date(2026, 7, 2))
    other = payable(id="f", buyer_id="GB-OTHER", status="paid", paid_on=date(2026, 7, 2))
    f = performance(
        "GB-LAE-BPL",
        "2026-H1",
        [on_time, late_paid, unpaid, disputed, credit, other],
        today=date(2026, 9, 15),
        escalated_reports=2,
    )
    assert (f.invoices_paid, f.paid_within_30_days, f.paid_within_terms) == (2, 1, 1)
    assert f.paid_within_30_days_pct == Decimal("50.0")
    assert f.average_days_to_pay == Decimal("30.0")  # (20 + 40) / 2
    assert f.amount_paid == Decimal("200.00")
    assert (f.late, f.disputed, f.escalated_reports) == (2, 1, 2)
    empty = performance("GB-LAE-BPL", "2025-H2", [], today=date(2026, 9, 15))
    assert (empty.paid_within_30_days_pct, empty.average_days_to_pay) == (None, None)


def test_grant_payables_are_counted_apart_from_the_uk8_figures() -> None:
    grant = {"contract_id": None, "grant_id": "g", "basis": Basis.GRANT}
    paid = payable(id="g1", status="paid", paid_on=date(2026, 7, 11), **grant)
    late = payable(id="g2", received_on=date(2026, 7, 5), due_on=date(2026, 8, 4), **grant)
    contract = payable(id="k1", status="paid", paid_on=date(2026, 7, 31))
    f = performance("GB-LAE-BPL", "2026-H1", [paid, late, contract], today=date(2026, 9, 1))
    assert (f.invoices_paid, f.late, f.amount_paid) == (1, 0, Decimal("100.00"))
    assert f.average_days_to_pay == Decimal("30.0")
    g = f.grants
    assert (g.invoices_paid, g.paid_within_30_days, g.paid_within_terms) == (1, 1, 1)
    assert (g.average_days_to_pay, g.amount_paid, g.late, g.disputed) == (
        Decimal("10.0"),
        Decimal("100.00"),
        1,
        0,
    )


def test_a_grant_payable_is_keyed_by_its_grant_and_names_no_contract() -> None:
    p = payable(contract_id=None, grant_id="g", basis=Basis.GRANT)
    p.raise_()
    [event] = p.pending_events
    assert event.key == "g"
    assert event.audience == "enterprise:e1"
    data = event.payload.model_dump(mode="json")
    assert data["grant_id"] == "g"
    assert "contract_id" not in data
    k = payable()
    k.raise_()
    assert "grant_id" not in k.pending_events[0].payload.model_dump(mode="json")
