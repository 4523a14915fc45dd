"""A service's stop ends its dead-letter watcher even when a check swallows the cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streetlevel.common import dlq_watch
from streetlevel.common.dlq_watch import DeadLetterWatch
from streetlevel.common.metrics import DLQ_DEPTH
from streetlevel.common.timeouts import within


@pytest.mark.parametrize("swallows", [True, False], ids=["cancel swallowed", "cancel raised"])
async def test_stopping_ends_the_watcher_in_the_middle_of_a_check(
    monkeypatch: pytest.MonkeyPatch, swallows: bool
) -> None:
    entered = asyncio.Event()
    checks: list[str] = []

    async def a_check_in_flight(bootstrap: str, group: str, *_: Any, **__: Any) -> int:
        checks.append(group)
        entered.set()
        try:
            await asyncio.Event().wait()  # a broker round trip that has not come back
        except asyncio.CancelledError:
            if not swallows:
                raise
            # What aiokafka's clients can do while they stop, inside the check: carry on.
        return 0

    monkeypatch.setattr(dlq_watch, "dead_letters_waiting", a_check_in_flight)
    watch = DeadLetterWatch(
        "probe", {"probe-group": ["t"]}, bootstrap="127.0.0.1:9", client_options={}
    )
    watch.start()
    await within(5, entered.wait())
    # Before the fix a swallowed cancel sent the loop into its minute-long sleep, then on.
    # (asyncio.wait, not a timeout: cancelling the stop would cancel the watcher once more.)
    stopping = asyncio.create_task(watch.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5)
    if stopping not in done:
        stopping.cancel()
    assert stopping in done, "the watcher is still running"
    assert checks == ["probe-group"]


async def test_each_round_sets_each_groups_gauge(monkeypatch: pytest.MonkeyPatch) -> None:
    counted = asyncio.Event()
    waiting = {"group-a": 3, "group-b": 0}

    async def count(bootstrap: str, group: str, *_: Any, **__: Any) -> int:
        if group == "group-b":
            counted.set()
        return waiting[group]

    monkeypatch.setattr(dlq_watch, "dead_letters_waiting", count)
    watch = DeadLetterWatch(
        "probe-gauge", {g: ["t"] for g in waiting}, bootstrap="127.0.0.1:9", client_options={}
    )
    watch.start()
    await within(5, counted.wait())
    await watch.stop()
    for group, expected in waiting.items():
        assert DLQ_DEPTH.labels("probe-gauge", group)._value.get() == expected
