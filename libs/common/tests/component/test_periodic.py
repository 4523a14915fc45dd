"""The lifespan's periodic task: runs its job each interval, survives a failed round, stops."""

from __future__ import annotations

import asyncio

from streetlevel.common.periodic import Periodic


async def test_a_failed_round_is_retried_on_the_next_and_stop_ends_the_task() -> None:
    rounds: list[int] = []
    enough = asyncio.Event()

    async def job() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("the database was away")
        if len(rounds) >= 3:
            enough.set()

    task = Periodic("probe", job, 0.001, first=True)
    task.start()
    await asyncio.wait_for(enough.wait(), timeout=30)
    await task.stop()
    seen = len(rounds)
    await asyncio.sleep(0.01)
    assert seen >= 3
    assert len(rounds) == seen, "no round after stop"


async def test_a_task_that_waits_first_runs_nothing_before_its_interval() -> None:
    rounds: list[int] = []

    async def job() -> None:
        rounds.append(1)

    task = Periodic("patient", job, 3600, first=False)
    task.start()
    await asyncio.sleep(0.01)
    await task.stop()
    assert rounds == []
