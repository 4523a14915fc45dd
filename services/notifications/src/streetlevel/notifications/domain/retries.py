"""When to try a failed delivery again, and when to give up on it or on its endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

#: Standard Webhooks' guidance: keep trying for days, not minutes.
RETRY_WINDOW = timedelta(days=3)
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=5)


def next_attempt(
    attempts: int, now: datetime, first_tried: datetime, rand: Callable[[], float]
) -> datetime | None:
    """The time of the next try after ``attempts`` failures, or None once the window is over.

    Exponential (5 s doubling, capped at 5 h) with full jitter over the upper half, so
    endpoints that failed together do not all come back at once.
    """
    if now - first_tried >= RETRY_WINDOW:
        return None
    base = min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    delay: timedelta = base / 2 + base / 2 * rand()
    last: datetime = first_tried + RETRY_WINDOW
    return min(now + delay, last)


def endpoint_expired(failing_since: datetime | None, now: datetime) -> bool:
    """An endpoint that has failed every attempt for the whole window is disabled."""
    return failing_since is not None and now - failing_since >= RETRY_WINDOW


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def is_gone(status: int | None) -> bool:
    """410 Gone: the receiver says the endpoint will never take events again."""
    return status == 410
