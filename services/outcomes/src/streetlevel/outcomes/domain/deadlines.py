"""The council's deadline to verify an outcome report: working days, bank holidays excluded."""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, timedelta

#: The default contract term (docs/payments.md): ten working days.
DEFAULT_VERIFICATION_DAYS = 10


def working_days_after(start: date, days: int, holidays: Container[date]) -> date:
    """The ``days``-th working day after ``start`` (weekends and ``holidays`` skipped)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day


def verification_deadline(reported_at: datetime, days: int, holidays: Container[date]) -> datetime:
    """The end (midnight UTC after) of the ``days``-th working day after the report's day."""
    last = working_days_after(reported_at.astimezone(UTC).date(), days, holidays)
    return datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
