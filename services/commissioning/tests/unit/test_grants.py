"""The grant domain alone: budget, short form, decision records, instalments, end report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streetlevel.commissioning.domain.errors import IllegalStatus
from streetlevel.commissioning.domain.grants import (
    BudgetExceeded,
    Decision,
    Grant,
    GrantApplication,
    GrantProgramme,
    Outcome,
    check_decision,
)
from streetlevel.commissioning.domain.payables import Basis, Payable
from streetlevel.commissioning.domain.schedule import due_date
from streetlevel.common.errors import ValidationProblem

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def programme(**overrides: Any) -> GrantProgramme:
    fields: dict[str, Any] = {
        "id": "p1",
        "council_id": "GB-LAE-BPL",
        "council_name": "Blackpool Council",
        "title": "Ward fund",
        "description": "d",
        "areas": ["E05015186"],
        "criteria": ["local"],
        "budget": Decimal("5000"),
        "max_grant": Decimal("1500"),
    }
    fields.update(overrides)
    return GrantProgramme.open(now=NOW, **fields)


def application(p: GrantProgramme, app_id: str = "a1", amount: str = "1000") -> GrantApplication:
    return GrantApplication.submit(
        p,
        now=NOW,
        id=app_id,
        enterprise_id=f"e-{app_id}",
        enterprise_name=f"Group {app_id}",
        amount_requested=Decimal(amount),
        purpose="planters",
        people_reached=50,
        contact="Jo, 07700 900123",
    )


def decision(outcomes: list[Outcome], **overrides: Any) -> Decision:
    fields: dict[str, Any] = {
        "id": "d1",
        "programme_id": "p1",
        "method": "residents_vote",
        "panel": (),
        "turnout": 100,
        "outcomes": tuple(outcomes),
        "decided_at": NOW,
    }
    fields.update(overrides)
    return Decision(**fields)


def test_opening_a_programme_records_its_public_view_without_anyone_s_contact() -> None:
    p = programme()
    [event] = p.take_events()
    assert event.payload.event_type == "commissioning.grant.programme_opened.v1"
    assert event.payload.model_dump()["programme"]["budget"] == {
        "amount": "5000.00",
        "currency": "GBP",
    }
    with pytest.raises(ValidationProblem):
        programme(max_grant=Decimal("6000"))


def test_the_short_form_caps_the_request_at_the_maximum_grant_and_needs_an_open_programme() -> None:
    p = programme()
    assert application(p, amount="1500").amount_requested == Decimal("1500")
    with pytest.raises(ValidationProblem):
        application(p, amount="1500.01")
    with pytest.raises(ValidationProblem):
        application(p, amount="0")
    p.close(now=NOW)
    with pytest.raises(IllegalStatus):
        application(p)


def test_a_programme_past_its_closing_date_takes_no_applications() -> None:
    p = programme(closes_on=date(2026, 11, 23))
    assert p.accepts_applications(date(2026, 11, 23))
    assert not p.accepts_applications(date(2026, 11, 24))


@given(st.lists(st.integers(min_value=1, max_value=300_000), max_size=12))
def test_commitments_never_exceed_the_budget(amounts: list[int]) -> None:
    p = programme()
    accepted = Decimal(0)
    for pence in amounts:
        amount = Decimal(pence) / 100
        fits = accepted + amount <= p.budget
        if fits:
            p.commit(amount, now=NOW)
            accepted += amount
        else:
            with pytest.raises(BudgetExceeded):
                p.commit(amount, now=NOW)
        assert p.committed == accepted <= p.budget


def test_a_residents_vote_needs_its_counts_and_no_more_votes_than_turnout() -> None:
    p = programme()
    apps = {"a1": application(p)}
    award = Outcome("a1", True, Decimal("1000"), votes_for=60, votes_against=30)
    check_decision(decision([award]), apps)
    with pytest.raises(ValidationProblem):
        check_decision(decision([Outcome("a1", True, Decimal("1000"))]), apps)
    with pytest.raises(ValidationProblem):
        check_decision(decision([award], turnout=80), apps)
    with pytest.raises(ValidationProblem):
        check_decision(decision([award], turnout=None), apps)


def test_a_panel_names_its_members_and_awards_fit_the_request() -> None:
    p = programme()
    apps = {"a1": application(p)}
    ok = Outcome("a1", True, Decimal("900"))
    check_decision(decision([ok], method="panel", panel=("Cllr Smith",), turnout=None), apps)
    with pytest.raises(ValidationProblem):
        check_decision(decision([ok], method="panel", turnout=None), apps)
    too_much = Outcome("a1", True, Decimal("1000.01"))
    with pytest.raises(ValidationProblem):
        check_decision(decision([too_much], method="panel", panel=("x",)), apps)
    staged = Outcome(
        "a1",
        True,
        Decimal("900"),
        schedule=((date(2026, 12, 1), Decimal("400")), (date(2027, 3, 1), Decimal("400"))),
    )
    with pytest.raises(ValidationProblem):
        check_decision(decision([staged], method="panel", panel=("x",)), apps)
    with pytest.raises(ValidationProblem):
        check_decision(decision([Outcome("zz", False)], method="panel", panel=("x",)), apps)


def test_a_decided_application_cannot_be_decided_again() -> None:
    p = programme()
    a = application(p)
    a.status = "awarded"
    with pytest.raises(IllegalStatus):
        check_decision(decision([Outcome("a1", False, votes_for=1, votes_against=2)]), {"a1": a})


def awarded(schedule: tuple[tuple[date, Decimal], ...] = ()) -> Grant:
    p = programme()
    a = application(p)
    o = Outcome("a1", True, Decimal("1000"), schedule=schedule)
    return Grant.award(
        id="g1", programme=p, decision=decision([o]), outcome=o, application=a, now=NOW
    )


def test_an_upfront_grant_is_one_instalment_due_on_the_decision_day_paid_once() -> None:
    g = awarded()
    assert [(i.no, i.due_on, i.amount) for i in g.instalments] == [
        (1, date(2026, 11, 23), Decimal("1000"))
    ]
    awarded_event = g.take_events()[0].payload.model_dump()
    assert "contact" not in str(awarded_event)
    g.mark_paid(1, paid_on=date(2026, 11, 30), reference="BACS-1", now=NOW)
    assert g.status == "paid"
    assert g.paid_total == Decimal("1000")
    [paid] = g.take_events()
    assert "BACS-1" not in paid.payload.model_dump_json()
    with pytest.raises(IllegalStatus):
        g.mark_paid(1, paid_on=date(2026, 12, 1), reference="again", now=NOW)
    assert g.paid_total == Decimal("1000")


def test_a_staged_grant_is_paid_instalment_by_instalment_and_reported_once() -> None:
    g = awarded(((date(2026, 12, 1), Decimal("600")), (date(2027, 3, 1), Decimal("400"))))
    assert g.public_view()["payment"] == "staged"
    g.mark_paid(2, paid_on=date(2027, 3, 1), reference="R2", now=NOW)
    assert g.status == "awarded"
    assert g.public_view()["instalments"][1]["paid_on"] == "2027-03-01"
    assert "reference" not in g.public_view()["instalments"][1]
    assert g.public_view(payer=True)["instalments"][1]["reference"] == "R2"
    g.submit_report(what_happened="done", people_reached=70, figures={"a.b": Decimal("3")}, now=NOW)
    assert g.status == "reported"
    assert g.report is not None
    assert g.report["figures"] == [{"indicator_code": "a.b", "value": "3"}]
    with pytest.raises(IllegalStatus):
        g.submit_report(what_happened="again", people_reached=1, figures={}, now=NOW)


@given(
    st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(min_value=1, max_value=12), st.booleans()), max_size=40),
)
def test_instalment_payables_are_paid_once_and_never_beyond_the_grant(
    shares: list[int], attempts: list[tuple[int, bool]]
) -> None:
    """Any order of payments by either route, repeated: each instalment's payable is paid
    once, in step with its instalment, and the sum paid never exceeds the grant."""
    total = Decimal(sum(shares))
    schedule = tuple((date(2026, 11, 23), Decimal(s)) for s in shares)
    p = programme(budget=total, max_grant=total)
    a = application(p, amount=str(total))
    o = Outcome("a1", True, total, schedule=schedule)
    g = Grant.award(id="g1", programme=p, decision=decision([o]), outcome=o, application=a, now=NOW)
    payables = {
        i.no: Payable(
            id=f"p{i.no}",
            grant_id=g.id,
            buyer_id=g.council_id,
            supplier_id=g.recipient_id,
            basis=Basis.GRANT,
            source=f"instalment:{i.no}",
            amount=i.amount,
            received_on=i.due_on,
            due_on=due_date(i.due_on, g.payment_terms_days),
        )
        for i in g.instalments
    }
    paid: list[int] = []
    for no, via_payable in attempts:
        if no not in payables:
            continue
        try:
            # The service's one path (service/grant_payments.py): the payable, then the grant.
            payables[no].pay(paid_on=NOW.date(), reference="r", today=NOW.date(), now=NOW)
            g.mark_paid(no, paid_on=NOW.date(), reference="r", now=NOW)
            paid.append(no)
        except IllegalStatus:
            assert no in paid, f"instalment {no} refused unpaid (route {via_payable})"
        assert g.paid_total <= total
    assert sorted(paid) == sorted(set(paid))
    settled = sum((x.amount for x in payables.values() if x.status == "paid"), Decimal(0))
    assert settled == g.paid_total
    assert {i.no for i in g.instalments if i.paid_on} == set(paid)
