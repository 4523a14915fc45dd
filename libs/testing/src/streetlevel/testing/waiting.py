"""Waiting in tests for real I/O (a broker, a relay, a consumer) to have happened."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]],
    what: str = "the condition",
    *,
    within: float = 60.0,
    interval: float = 0.05,
) -> T:
    """Poll ``check`` until it returns something truthy, and return that.

    Only to wait for real I/O, never to let time pass: a test that needs a deadline to expire
    injects a clock instead. Fails with ``AssertionError`` after ``within`` seconds.
    """
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g} s waiting for {what}")
        await asyncio.sleep(interval)
