"""PostgreSQL restarted (immediate) under load: 503 with Retry-After, never 500, then recovery."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from streetlevel_e2e_harness.api import Api, eventually
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.registrations import applied_in_commissioning, register, tally
from streetlevel_e2e_harness.world import World


@pytest.mark.timeout(300)
async def test_postgres_restarted_immediately_under_load_gives_503_never_500_and_recovers(
    platform: Platform, gateway: Api, world: World
) -> None:
    fylde, council = world.cast.councils["GB-LAE-FYL"], world.cast.blackpool
    await gateway.login(fylde)
    await gateway.login(council)
    acked: set[str] = set()
    statuses: Counter[int] = Counter()
    refusals: list[str] = []
    stop = asyncio.Event()
    paths = [
        "/v1/enterprises?limit=5",
        "/v1/commissions?limit=5",
        f"/v1/reports/contracts/{world.ids['contract_id']}/progress",
    ]

    def seen(method: str, path: str, status: int, headers: dict[str, str], body: str) -> None:
        statuses[status] += 1
        if status >= 500 and (status != 503 or "retry-after" not in headers):
            refusals.append(f"{method} {path}: {status} {headers.get('retry-after')} {body[:200]}")

    async def reader(path: str) -> None:
        while not stop.is_set():
            try:
                resp = await gateway.get(path, council)
            except Exception as exc:  # a transport error is not an answer: count it apart
                statuses[0] += 1
                refusals.append(f"GET {path}: {type(exc).__name__}")
                continue
            seen("GET", path, resp.status_code, dict(resp.headers), resp.text)
            await asyncio.sleep(0.02)

    async def writer() -> None:
        while not stop.is_set():
            status = await register(gateway, fylde, acked, "under-load")
            statuses[status] += 1
            if status >= 500 and status != 503:
                refusals.append(f"POST /v1/enterprises: {status}")
            await asyncio.sleep(0.05)

    load = [asyncio.create_task(reader(p)) for p in paths] + [asyncio.create_task(writer())]
    try:
        await asyncio.sleep(1.5)
        started = time.monotonic()
        await asyncio.to_thread(platform.pg.stop, True)
        await asyncio.sleep(2.0)  # under load while the database is down
        await asyncio.to_thread(platform.pg.start, 60.0)

        async def recovered() -> bool:
            one = await gateway.get(paths[0], council)
            probe: set[str] = set()
            wrote = await register(gateway, fylde, probe, "recovery")
            acked.update(probe)
            return one.status_code == 200 and wrote == 201

        await eventually(recovered, within=60, what="the API to recover")
        downtime = time.monotonic() - started
    finally:
        stop.set()
        await asyncio.gather(*load, return_exceptions=True)
    print(f"postgres restart: statuses {dict(statuses)}, recovered after {downtime:.1f}s")
    assert statuses[503] > 0, "the outage was seen (as 503)"
    assert not refusals, "\n".join(refusals[:20])
    await eventually(
        lambda: _all_applied(platform, acked), within=120, what="every acknowledged write applied"
    )
    result = await tally(platform, "PostgreSQL restarted (immediate) under load", acked)
    result.report()
    assert result.lost == 0
    assert result.duplicated_applied == 0


async def _all_applied(platform: Platform, acked: set[str]) -> bool:
    return await applied_in_commissioning(platform, acked) == acked
