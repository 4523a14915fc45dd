"""A receiver answering 500 forever beside a healthy one, on PostgreSQL: the healthy p99 holds.

On SQLite every attempt's log row shares one writer lock, so the tail is only printed there
(tests/unit/test_delivery_faults.py); PostgreSQL has no such shared lock, so here it is asserted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from streetlevel.testing.tokens import TokenFactory

from ..component.support import Receiver, running
from ..component.test_delivery_faults import _latencies, p99

pytestmark = pytest.mark.integration
#: Within noise: a few milliseconds of scheduling jitter on a shared two-core machine.
NOISE_MS = 25.0


async def test_a_500_forever_endpoint_leaves_the_healthy_p99_unchanged_on_postgres(
    pg_database_factory: Callable[..., Awaitable[str]],
) -> None:
    # Bounded in the loop itself: once, in a full integration run, this test waited forever
    # where pytest-timeout did not interrupt it; a hang must fail with its place, not stall CI.
    async with asyncio.timeout(150):
        await _healthy_p99_beside_a_failing_endpoint(pg_database_factory)


async def _healthy_p99_beside_a_failing_endpoint(
    pg_database_factory: Callable[..., Awaitable[str]],
) -> None:
    url = await pg_database_factory()
    tokens = TokenFactory()
    healthy = await Receiver().start()
    failing = await Receiver(status=500).start()
    async with running(url, tokens, delivery_poll_interval_s=0.01) as embedded:
        token = tokens.council()
        await embedded.subscribe(token, healthy.url)
        hook = await embedded.subscribe(token, failing.url)
        path, headers = f"/v1/webhooks/{hook['id']}", {"Authorization": f"Bearer {token}"}
        alone: list[float] = []
        beside: list[float] = []
        embedded.worker.start()
        try:
            # Interleaved blocks, so both sides see the same machine load.
            for _ in range(6):
                await embedded.client.patch(path, json={"status": "paused"}, headers=headers)
                alone += await _latencies(embedded, healthy, 20)
                await embedded.client.patch(path, json={"status": "active"}, headers=headers)
                beside += await _latencies(embedded, healthy, 20)
        finally:
            await embedded.worker.stop()
            await failing.stop()
            await healthy.stop()
    alone.sort()
    beside.sort()
    print(
        "\n[fault] 500 forever beside a healthy endpoint (PostgreSQL): "
        f"failing attempts={len(failing.requests)}; healthy p50/p99 "
        f"{alone[len(alone) // 2]:.1f}/{p99(alone):.1f} ms alone, "
        f"{beside[len(beside) // 2]:.1f}/{p99(beside):.1f} ms beside it"
    )
    assert len(failing.requests) >= 60  # it really was being retried all along
    assert p99(beside) <= 1.5 * p99(alone) + NOISE_MS
    assert beside[len(beside) // 2] <= 1.5 * alone[len(alone) // 2] + NOISE_MS
