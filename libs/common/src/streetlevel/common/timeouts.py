"""Waiting with a time limit without losing a cancellation.

``asyncio.wait_for`` on Python 3.11 returns normally when the task awaiting it is cancelled in
the same loop iteration as the awaited thing completes (python/cpython#86296, fixed by the
3.12 rewrite). A background loop stopped by cancelling it then carries on: a service's stop
waited for its dead-letter watcher's next minute-long sleep, and then for ever (the registry's
integration tests hit the 90 s shutdown timeout on loaded machines). ``asyncio.timeout`` tells
its own cancellation from the caller's, so ``within`` is built on it; ruff bans ``wait_for``
in the product's code (``pyproject.toml``, TID251).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


async def within(seconds: float | None, awaitable: Awaitable[T]) -> T:
    """``await awaitable``, raising ``TimeoutError`` after ``seconds`` (``None``: no limit)."""
    async with asyncio.timeout(seconds):
        return await awaitable


async def nap(seconds: float, stopping: asyncio.Event) -> None:
    """Sleep ``seconds``, or less if ``stopping`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await within(seconds, stopping.wait())


async def end_loop(task: asyncio.Task[Any] | None, stopping: asyncio.Event) -> None:
    """Stop a background loop that checks ``stopping`` each turn and naps on it.

    The event ends the loop at its next turn even if the cancel is lost (a library that
    catches ``CancelledError`` while it cleans up, or the 3.11 race above); the cancel cuts
    the turn in flight short.
    """
    stopping.set()
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
