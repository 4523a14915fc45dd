"""``within``: a time limit that never loses the caller's cancellation."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from streetlevel.common.timeouts import within


async def _cancel_as_it_finishes(wait: Callable[[float, Awaitable[Any]], Awaitable[Any]]) -> str:
    """A loop body waits on a future; the future completes in the tick the loop is cancelled.

    Returns how the loop ended: ``cancelled``, or ``ran on`` if it reached its next wait.
    """
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    reached_next_wait = asyncio.Event()

    async def body() -> None:
        await wait(10, done)
        reached_next_wait.set()
        await asyncio.Event().wait()  # the loop's next sleep; only a cancellation ends it

    task = asyncio.create_task(body())
    for _ in range(3):  # the body is inside its wait now
        await asyncio.sleep(0)
    done.set_result(None)
    task.cancel()
    for _ in range(5):
        await asyncio.sleep(0)
    if task.done():
        return "cancelled" if task.cancelled() else "finished"
    outcome = "ran on" if reached_next_wait.is_set() else "still waiting"
    task.cancel()  # the lost cancellation, sent again, so the test leaves nothing running
    with pytest.raises(asyncio.CancelledError):
        await task
    return outcome


async def test_a_cancel_in_the_tick_the_awaited_thing_finishes_is_not_lost() -> None:
    assert await _cancel_as_it_finishes(within) == "cancelled"


async def test_the_same_race_loses_the_cancel_in_wait_for_on_this_python() -> None:
    """Why ``within`` exists: on 3.11 ``asyncio.wait_for`` returns and the loop runs on."""

    async def wait_for(seconds: float, awaitable: Awaitable[Any]) -> Any:
        return await asyncio.wait_for(awaitable, seconds)

    expected = "ran on" if sys.version_info < (3, 12) else "cancelled"
    assert await _cancel_as_it_finishes(wait_for) == expected


async def test_within_raises_timeout_error_and_cancels_the_awaited() -> None:
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.Event().wait()

    inner = asyncio.ensure_future(slow())
    with pytest.raises(TimeoutError):
        await within(0.01, inner)
    assert started.is_set()
    assert inner.cancelled()


async def test_within_returns_the_result_and_none_means_no_limit() -> None:
    async def value() -> int:
        await asyncio.sleep(0)
        return 7

    assert await within(1, value()) == 7
    assert await within(None, value()) == 7
