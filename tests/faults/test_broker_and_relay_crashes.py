"""Kafka SIGKILLed mid-scenario, and the active outbox relay killed after the broker's ack."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from streetlevel_e2e_harness.api import Api, eventually
from streetlevel_e2e_harness.faults import query
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.registrations import applied_in_commissioning, register, tally
from streetlevel_e2e_harness.world import World

FAULT_ENTRY = Path(__file__).with_name("fault_entry.py")


async def all_applied(platform: Platform, acked: set[str]) -> bool:
    return await applied_in_commissioning(platform, acked) == acked


@pytest.mark.timeout(300)
async def test_kafka_sigkilled_mid_scenario_loses_nothing_and_applies_nothing_twice(
    platform: Platform, gateway: Api, world: World
) -> None:
    fylde = world.cast.councils["GB-LAE-FYL"]
    acked: set[str] = set()
    for _ in range(3):
        assert await register(gateway, fylde, acked, "before") == 201
    await asyncio.to_thread(platform.kafka.kill, signal.SIGKILL)
    try:
        # The write path needs only PostgreSQL: the outbox keeps the events until Kafka is back.
        for _ in range(5):
            assert await register(gateway, fylde, acked, "during") == 201
    finally:
        await asyncio.to_thread(platform.kafka.start, 60.0)
    for _ in range(3):
        assert await register(gateway, fylde, acked, "after") == 201
    await eventually(lambda: all_applied(platform, acked), within=120, what="every write applied")
    result = await tally(platform, "Kafka SIGKILLed and restarted mid-scenario", acked)
    result.report()
    assert len(acked) == 11
    assert result.lost == 0
    assert result.duplicated_applied == 0


@pytest.mark.timeout(300)
async def test_the_standby_relay_takes_over_from_one_killed_after_the_ack_before_marking(
    platform: Platform, gateway: Api, world: World
) -> None:
    fylde = world.cast.councils["GB-LAE-FYL"]
    fault = {"FAULT": "relay-mark", "FAULT_AT": "1", "FAULT_SERVICE": "registry"}
    platform.restart("registry", script=FAULT_ENTRY, extra=fault)
    standby = platform.add_replica("registry", "registry-standby")
    acked: set[str] = set()
    try:
        await register(gateway, fylde, acked, "to-the-doomed-relay")

        async def died() -> bool:
            return platform.exit_status("registry") is not None

        await eventually(died, within=60, what="the relay to die before marking its rows")
        assert platform.exit_status("registry") == -signal.SIGKILL
        # The relay is woken by the commit, so it can publish and reach its mark before the 201
        # leaves the dying process: the write is committed whether or not its client saw it.
        doomed = await query(
            platform.dsn("registry"),
            "SELECT id::text FROM enterprises WHERE name LIKE 'to-the-doomed-relay group %'",
        )
        assert len(doomed) == 1, "the registration the relay died publishing was committed"
        acked.add(doomed[0]["id"])
        direct = Api.over(standby.url)
        try:
            for _ in range(3):
                assert await register(direct, fylde, acked, "to-the-standby") == 201
        finally:
            await direct.close()
        await eventually(
            lambda: all_applied(platform, acked), within=120, what="every write applied"
        )
        result = await tally(platform, "active relay killed after ack, standby took over", acked)
        result.report()
        assert result.lost == 0
        assert result.duplicated_applied == 0
        assert result.duplicated_delivered > 0, "the standby republished the unmarked batch"
    finally:
        platform.restart("registry")
        platform.remove("registry-standby")
