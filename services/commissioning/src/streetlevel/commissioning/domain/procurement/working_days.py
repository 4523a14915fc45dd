"""Working days on a council's bank-holiday calendar; standstill and UK7 deadlines (ss.51, 53)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from streetlevel.commissioning.domain.procurement.thresholds import Nation, Routing

UK_TIME = ZoneInfo("Europe/London")
_SUBDIVISION = {"england": "ENG", "wales": "WLS"}
#: s.51(2): the mandatory standstill is eight working days beginning with the UK6 day.
STANDSTILL_WORKING_DAYS = 8
#: s.53: the UK7 contract details notice within 30 days beginning with the day of entry.
CONTRACT_DETAILS_DAYS = 30


@lru_cache(maxsize=64)
def _bank_holidays(subdivisions: tuple[str, ...], year: int) -> frozenset[date]:
    # Imported at the first date asked about: the calendars cost ~4 MB and ~5 % of the
    # service's import time, and most processes never compute a deadline.
    import holidays

    days: set[date] = set()
    for subdiv in subdivisions:
        days.update(holidays.country_holidays("GB", subdiv=subdiv, years=[year]).keys())
    return frozenset(days)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Weekdays that are not Christmas Day, Good Friday or a bank holiday in the chosen parts."""

    nation: Nation
    #: Also skip bank holidays in Scotland and Northern Ireland: on by default because the
    #: stored copies read did not show whether s.123's "working day" means the council's part
    #: of the UK or any part, and a standstill a day too long is lawful where one too short is not.
    uk_wide: bool = True
    extra_closures: frozenset[date] = field(default_factory=frozenset)

    def _subdivisions(self) -> tuple[str, ...]:
        if self.uk_wide:
            return ("ENG", "WLS", "SCT", "NIR")
        return (_SUBDIVISION[self.nation],)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.extra_closures:
            return False
        if (day.month, day.day) == (12, 25):
            return False
        return day not in _bank_holidays(self._subdivisions(), day.year)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day of a period beginning with ``start`` (count >= 1)."""
        if count < 1:
            raise ValueError("a period has at least one working day")
        day = self.next_working_day(start)
        for _ in range(count - 1):
            day = self.next_working_day(day + timedelta(days=1))
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in the closed range [first, last]."""
        days, day = 0, first
        while day <= last:
            days += self.is_working_day(day)
            day += timedelta(days=1)
        return days


def _uk_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("moments must be timezone-aware")
    return moment.astimezone(UK_TIME).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UK_TIME)


@dataclass(frozen=True)
class Standstill:
    """The standstill after a UK6 notice: its last day and the first moment to enter into it."""

    mandatory: bool
    applies: bool
    last_day: date | None
    ends_at: datetime | None
    reason: str

    def may_enter_contract(self, now: datetime) -> bool:
        return self.ends_at is None or now >= self.ends_at


def standstill(
    routing: Routing,
    *,
    award_notice_at: datetime,
    calendar: WorkingDayCalendar,
    exempt_reason: str | None = None,
    voluntary: bool = False,
) -> Standstill:
    """The standstill after a UK6: mandatory, voluntary or none, and when it ends."""
    # Mandatory above threshold unless an s.51(3) exemption is named, voluntary below, never for a
    # grant: eight working days beginning with the UK6 day; entry from 00:00 UK time the day after.
    if routing.outside_act:
        return Standstill(False, False, None, None, "No standstill: the award is not a contract.")
    mandatory = routing.covered and exempt_reason is None
    if not mandatory and not voluntary:
        why = exempt_reason or "below threshold the Act imposes no standstill"
        return Standstill(False, False, None, None, f"No standstill: {why}.")
    last = calendar.add_working_days(_uk_day(award_notice_at), STANDSTILL_WORKING_DAYS)
    kind = "Mandatory" if mandatory else "Voluntary"
    return Standstill(
        mandatory,
        True,
        last,
        _start_of(last + timedelta(days=1)),
        f"{kind} standstill of {STANDSTILL_WORKING_DAYS} working days beginning with "
        f"{_uk_day(award_notice_at).isoformat()} ({calendar.nation} bank holidays), ending "
        f"at the end of {last.isoformat()} (Procurement Act 2023, s.51).",
    )


def contract_details_due(entered_into_at: datetime) -> date:
    """Last day for the UK7 notice: 30 days beginning with the day the contract is entered into."""
    return _uk_day(entered_into_at) + timedelta(days=CONTRACT_DETAILS_DAYS - 1)
