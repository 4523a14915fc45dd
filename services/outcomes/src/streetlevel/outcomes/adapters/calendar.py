"""England-and-Wales bank holidays (the ``holidays`` package), for working-day deadlines."""

from __future__ import annotations

from datetime import date
from functools import lru_cache


@lru_cache(maxsize=8)
def _year(year: int) -> frozenset[date]:
    # Imported at the first date asked about: ~4 MB and ~5 % of the service's import time.
    import holidays

    # England and Wales share their bank holidays; the ENG subdivision lists them.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


class BankHolidays:
    """A ``Container[date]`` of England-and-Wales bank holidays, any year."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in _year(day.year)
