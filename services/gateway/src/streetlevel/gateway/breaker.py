"""A circuit breaker per upstream: consecutive failures open it, a trial request closes it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed → open after ``failures`` in a row → half-open after ``open_s`` → one trial."""

    def __init__(
        self, *, failures: int, open_s: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = failures
        self.open_s = open_s
        self._monotonic = monotonic
        self.failures = 0
        self.opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> State:
        if self.opened_at is None:
            return "closed"
        if self._monotonic() - self.opened_at >= self.open_s:
            return "half_open"
        return "open"

    def retry_after(self) -> float | None:
        """None when a request may go; otherwise seconds until the next trial."""
        state = self.state
        if state == "closed":
            return None
        assert self.opened_at is not None
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return None
        return max(self.open_s - (self._monotonic() - self.opened_at), 1.0)

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._trial_in_flight = False

    def failure(self) -> None:
        self.failures += 1
        self._trial_in_flight = False
        if self.opened_at is not None or self.failures >= self.threshold:
            self.opened_at = self._monotonic()
