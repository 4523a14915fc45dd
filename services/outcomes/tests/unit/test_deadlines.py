"""The verification deadline: working days, England-and-Wales bank holidays, escalation once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from streetlevel.outcomes.adapters.calendar import BankHolidays
from streetlevel.outcomes.domain.deadlines import verification_deadline, working_days_after
from streetlevel.outcomes.domain.observations import Observation
from streetlevel.outcomes.domain.values import Period


def test_weekends_and_bank_holidays_are_not_working_days() -> None:
    bank = BankHolidays()
    assert date(2026, 8, 31) in bank  # the summer bank holiday (England and Wales)
    assert date(2026, 12, 28) in bank  # Boxing Day's substitute
    assert date(2026, 8, 30) not in bank
    # Thursday 27 August 2026: ten working days skip two weekends and the bank holiday.
    assert working_days_after(date(2026, 8, 27), 10, bank) == date(2026, 9, 11)
    assert working_days_after(date(2026, 8, 27), 10, set()) == date(2026, 9, 10)
    reported = datetime(2026, 8, 27, 16, 30, tzinfo=UTC)
    assert verification_deadline(reported, 10, bank) == datetime(2026, 9, 12, tzinfo=UTC)


def test_an_unanswered_report_is_escalated_once_after_its_deadline() -> None:
    deadline = datetime(2026, 9, 12, tzinfo=UTC)
    obs = Observation(
        id="o",
        plan_id="p",
        contract_id="k",
        indicator_code="jobs.local_hires",
        period=Period(start=date(2026, 7, 1), end=date(2026, 7, 31)),
        area="E01012680",
        value=Decimal(3),
        verify_by=deadline,
    )
    assert not obs.escalate(now=datetime(2026, 9, 11, 23, 59, tzinfo=UTC))
    assert obs.escalate(now=deadline)
    assert not obs.escalate(now=deadline)
    (event,) = obs.take_events()
    assert event.payload.event_type == "outcomes.observation.escalated.v1"
    assert event.key == "k"
    verified = Observation(
        id="v", contract_id="k", status="verified", verify_by=deadline, period=obs.period
    )
    assert not verified.escalate(now=deadline)
