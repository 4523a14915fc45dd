"""Working days on the council's bank-holiday calendar; standstill (s.51) and UK7 (s.53) dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streetlevel.commissioning.domain.procurement.thresholds import Routing, classify
from streetlevel.commissioning.domain.procurement.working_days import (
    UK_TIME,
    WorkingDayCalendar,
    contract_details_due,
    standstill,
)
from streetlevel.commissioning.domain.values import Money

ENGLAND = WorkingDayCalendar("england", uk_wide=False)
WALES = WorkingDayCalendar("wales", uk_wide=False)


def routed(amount: str, grant: bool = False) -> Routing:
    return classify(
        [Money(amount=Decimal(amount))],
        kind="services",
        nation="england",
        started_on=date(2026, 1, 5),
        grant=grant,
    )


def uk(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UK_TIME)


def test_weekends_christmas_good_friday_and_bank_holidays_are_not_working_days() -> None:
    assert not ENGLAND.is_working_day(date(2026, 4, 3))  # Good Friday
    assert not ENGLAND.is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not ENGLAND.is_working_day(date(2026, 12, 25))
    assert not ENGLAND.is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert not ENGLAND.is_working_day(date(2026, 3, 7))  # Saturday
    assert ENGLAND.is_working_day(date(2026, 3, 17))  # St Patrick's Day: Northern Ireland only
    assert WALES.is_working_day(date(2026, 11, 30))  # St Andrew's Day: Scotland only


def test_the_uk_wide_calendar_also_skips_scottish_and_northern_irish_bank_holidays() -> None:
    wide = WorkingDayCalendar("england")
    assert wide.uk_wide
    assert not wide.is_working_day(date(2026, 3, 17))
    assert not wide.is_working_day(date(2026, 11, 30))


def test_standstill_across_easter_ends_after_eight_working_days_beginning_with_the_uk6_day() -> (
    None
):
    result = standstill(routed("300000"), award_notice_at=uk(date(2026, 4, 2)), calendar=ENGLAND)
    assert result.mandatory
    assert result.applies
    assert result.last_day == date(2026, 4, 15)
    assert result.ends_at == datetime(2026, 4, 16, tzinfo=UK_TIME)
    assert "s.51" in result.reason
    assert not result.may_enter_contract(datetime(2026, 4, 15, 23, 59, tzinfo=UK_TIME))
    assert result.may_enter_contract(datetime(2026, 4, 16, tzinfo=UK_TIME))


def test_a_uk6_published_at_the_weekend_starts_counting_on_monday() -> None:
    result = standstill(routed("300000"), award_notice_at=uk(date(2026, 3, 7)), calendar=ENGLAND)
    assert result.last_day == date(2026, 3, 18)


def test_the_day_of_publication_is_the_day_in_the_uk_not_in_utc() -> None:
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 June in London (BST)
    result = standstill(routed("300000"), award_notice_at=late, calendar=ENGLAND)
    assert result.last_day == date(2026, 6, 11)


def test_over_new_year_the_uk_wide_calendar_adds_the_scottish_holiday() -> None:
    notice = uk(date(2026, 12, 23))
    local = standstill(routed("300000"), award_notice_at=notice, calendar=ENGLAND)
    wide = standstill(
        routed("300000"), award_notice_at=notice, calendar=WorkingDayCalendar("england")
    )
    assert local.last_day == date(2027, 1, 6)
    assert wide.last_day == date(2027, 1, 7)  # 4 January 2027 is Scotland's substitute day


def test_standstill_is_voluntary_below_threshold_and_never_for_a_grant() -> None:
    notice = uk(date(2026, 4, 2))
    below = standstill(routed("60000"), award_notice_at=notice, calendar=ENGLAND)
    assert not below.applies
    assert below.ends_at is None
    assert below.may_enter_contract(notice)
    chosen = standstill(routed("60000"), award_notice_at=notice, calendar=ENGLAND, voluntary=True)
    assert chosen.applies
    assert not chosen.mandatory
    assert chosen.last_day == date(2026, 4, 15)
    grant = standstill(
        routed("60000", grant=True), award_notice_at=notice, calendar=ENGLAND, voluntary=True
    )
    assert not grant.applies
    assert "not a contract" in grant.reason


def test_a_named_exemption_makes_the_standstill_voluntary_above_threshold() -> None:
    result = standstill(
        routed("300000"),
        award_notice_at=uk(date(2026, 4, 2)),
        calendar=ENGLAND,
        exempt_reason="direct award for extreme urgency (s.51(3))",
    )
    assert not result.mandatory
    assert not result.applies
    assert "extreme urgency" in result.reason


def test_the_uk7_is_due_within_thirty_days_beginning_with_entry_into_the_contract() -> None:
    assert contract_details_due(uk(date(2026, 4, 16))) == date(2026, 5, 15)


def test_moments_without_a_timezone_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        contract_details_due(datetime(2026, 4, 16))


def test_a_period_has_at_least_one_working_day() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        ENGLAND.add_working_days(date(2026, 4, 2), 0)


days = st.dates(min_value=date(2025, 2, 24), max_value=date(2030, 12, 31))


@given(days, st.integers(min_value=1, max_value=40), st.booleans())
def test_adding_working_days_lands_on_a_working_day_and_counts_exactly(
    start: date, count: int, uk_wide: bool
) -> None:
    calendar = WorkingDayCalendar("england", uk_wide=uk_wide)
    end = calendar.add_working_days(start, count)
    assert calendar.is_working_day(end)
    assert calendar.working_days_between(start, end) == count
    assert end >= start
    assert calendar.add_working_days(start, count + 1) > end


@given(days)
def test_the_uk_wide_standstill_is_never_shorter_than_the_nations(day: date) -> None:
    notice = uk(day)
    local = standstill(routed("300000"), award_notice_at=notice, calendar=ENGLAND)
    wide = standstill(
        routed("300000"), award_notice_at=notice, calendar=WorkingDayCalendar("england")
    )
    assert local.last_day is not None
    assert wide.last_day is not None
    assert wide.last_day >= local.last_day
    assert local.last_day - day >= timedelta(days=7)
