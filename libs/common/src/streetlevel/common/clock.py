"""An injectable clock: production reads the system time, tests move time by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real UTC wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, /, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class ShiftedClock:
    """Another clock moved by an offset that only grows: replaying history, then the present.

    The embedded demo starts its story months ago and travels forward to today, so that
    every date it leaves (periods, verifications, payments, releases) is in the past.
    """

    def __init__(self, base: Clock | None = None, offset: timedelta | None = None) -> None:
        self.base: Clock = base or SystemClock()
        self.offset = offset or timedelta(0)

    def now(self) -> datetime:
        return self.base.now() + self.offset

    def travel_to(self, when: datetime) -> datetime:
        """Jump forward to ``when`` (never back: earlier instants are ignored)."""
        self.offset = max(self.offset, when - self.base.now())
        return self.now()

    def start_history(self, at: datetime) -> None:
        """Begin a replayed history at ``at`` (before anything of it was written)."""
        self.offset = at - self.base.now()

    def present(self) -> datetime:
        """Back to the base clock's time (the end of a replayed history)."""
        self.offset = max(self.offset, timedelta(0))
        return self.travel_to(self.base.now())


def clock_offset(clock: Clock) -> timedelta:
    """How far ``clock`` is shifted from real time (zero for every clock but a shifted one)."""
    return clock.offset if isinstance(clock, ShiftedClock) else timedelta(0)
