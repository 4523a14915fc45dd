"""A service's stop ends its dead-letter watcher even when a check swallows the cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from streetlevel.common import runtime as runtime_module
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.runtime import Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.common.timeouts import within
from streetlevel.testing.probe import Probe


@pytest.mark.parametrize("swallows", [True, False], ids=["cancel swallowed", "cancel raised"])
async def test_stopping_ends_the_watcher_in_the_middle_of_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swallows: bool
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

    monkeypatch.setattr(runtime_module, "dead_letters_waiting", a_check_in_flight)
    settings = CommonSettings(
        service_name="probe", database_url=f"sqlite+aiosqlite:///{tmp_path}/probe.db"
    )
    runtime = Runtime(settings, outbox=Probe().outbox, memory_bus=MemoryBus())
    runtime._dlq_task = asyncio.create_task(runtime._watch_dead_letters({"probe-group": ["t"]}))
    await within(5, entered.wait())
    # Before the fix a swallowed cancel sent the loop into its minute-long sleep, then on.
    # (asyncio.wait, not a timeout: cancelling the stop would cancel the watcher once more.)
    stopping = asyncio.create_task(runtime._stop_watching_dead_letters())
    done, _ = await asyncio.wait({stopping}, timeout=5)
    watcher = runtime._dlq_task
    if stopping not in done:
        stopping.cancel()
    assert stopping in done, "the watcher is still running"
    assert watcher is None
    assert checks == ["probe-group"]
    await runtime.engine.dispose()
