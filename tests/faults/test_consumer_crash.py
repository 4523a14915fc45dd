"""A consumer killed between its DB commit and its offset commit, and duplicated deliveries."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from streetlevel_e2e_harness.api import Api, eventually
from streetlevel_e2e_harness.faults import Tally, consumer_outcomes, query, read_records
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.story import WARD_A
from streetlevel_e2e_harness.world import World

FAULT_ENTRY = Path(__file__).with_name("fault_entry.py")
# The commissioning consumers' metrics label prefix (one group or one per topic).
GROUP = "commissioning"
TOPIC = "outcomes.observation.v1"


async def days_pass(platform: Platform, api: Api, world: World, days: int) -> None:
    """Commissioning and outcomes move to ``days`` after the contract start (periods end)."""
    contract = (await api.get(f"/v1/contracts/{world.ids['contract_id']}", expect=200)).json()
    start = datetime.fromisoformat(contract["period"]["start"])
    await asyncio.to_thread(platform.travel_to, start + timedelta(days=days))


async def verified_observations(api: Api, world: World, first_day: int, count: int) -> set[str]:
    """The supplier reports and the buyer verifies one-day observations (each acknowledged)."""
    ent, council = world.cast.enterprises["cic"], world.cast.blackpool
    contract = (await api.get(f"/v1/contracts/{world.ids['contract_id']}", expect=200)).json()
    start = date.fromisoformat(contract["period"]["start"][:10])
    acked = set()
    for day in range(first_day, first_day + count):
        when = (start + timedelta(days=day)).isoformat()
        body = {
            "plan_id": world.ids["plan_id"],
            "indicator_code": "skills.qualifications",
            "period": {"start": when, "end": when},
            "area": WARD_A,
            "value": "5",
        }
        obs = (await api.post("/v1/observations", ent, json=body, expect=201)).json()["id"]
        await api.post(
            f"/v1/observations/{obs}/verification",
            council,
            json={"decision": "verified"},
            expect=200,
        )
        acked.add(obs)
    return acked


async def tally(platform: Platform, name: str, acked: set[str]) -> Tally:
    result = Tally(name, acked=acked)
    for record in await read_records(platform.kafka.bootstrap, TOPIC):
        event = json.loads(record.value)
        obs = event["data"].get("observation_id")
        if event["type"].endswith("observation.verified.v1") and obs in acked:
            result.published[obs] += 1
    rows = await query(
        platform.dsn("commissioning"),
        "SELECT observation_id, count(*) AS n FROM payment_lines "
        "WHERE kind = 'payment' AND observation_id = ANY($1::text[]) GROUP BY observation_id",
        sorted(acked),
    )
    result.applied.update({r["observation_id"]: r["n"] for r in rows})
    return result


async def check_ledger(platform: Platform, name: str, acked: set[str]) -> None:
    """Payables agree with the ledger: one outcome payable per verified observation, same sum."""
    lines = await query(
        platform.dsn("commissioning"),
        "SELECT observation_id, count(*) AS n, sum(amount) AS pence FROM payment_lines "
        "WHERE kind = 'payment' AND observation_id = ANY($1::text[]) GROUP BY observation_id",
        sorted(acked),
    )
    payables = await query(
        platform.dsn("commissioning"),
        "SELECT split_part(source, ':', 2) AS observation_id, count(*) AS n, "
        "sum(amount) AS pence FROM payables WHERE basis = 'outcome' "
        "AND split_part(source, ':', 2) = ANY($1::text[]) GROUP BY 1",
        sorted(acked),
    )
    per_line = {r["observation_id"]: (r["n"], r["pence"]) for r in lines}
    per_payable = {r["observation_id"]: (r["n"], r["pence"]) for r in payables}
    print(
        f"{name} (ledger): verified = {len(acked)}, payment lines = "
        f"{sum(n for n, _ in per_line.values())}, outcome payables = "
        f"{sum(n for n, _ in per_payable.values())}, payables per observation = "
        f"{sorted({n for n, _ in per_payable.values()})}"
    )
    assert set(per_payable) == acked, "every verified observation has its payable"
    assert all(n == 1 for n, _ in per_payable.values()), "nothing is owed twice"
    assert per_payable == per_line, "each payable is its payment line's amount"


async def paid(platform: Platform, acked: set[str]) -> bool:
    rows = await query(
        platform.dsn("commissioning"),
        "SELECT count(DISTINCT observation_id) AS n FROM payment_lines "
        "WHERE observation_id = ANY($1::text[])",
        sorted(acked),
    )
    return rows[0]["n"] == len(acked)


@pytest.mark.timeout(300)
async def test_a_consumer_killed_after_its_db_commit_redelivers_and_applies_once(
    platform: Platform, gateway: Api, world: World
) -> None:
    await days_pass(platform, gateway, world, 16)  # the one-day periods 10-14 have ended
    platform.restart(
        "commissioning",
        script=FAULT_ENTRY,
        extra={
            "FAULT": "consumer-commit",
            "FAULT_TOPIC": TOPIC,
            "FAULT_AT": "1",
            "FAULT_SERVICE": "commissioning",
        },
    )
    acked = await verified_observations(gateway, world, first_day=10, count=5)

    async def died() -> bool:
        return platform.exit_status("commissioning") is not None

    await eventually(died, within=60, what="the consumer to crash at its offset commit")
    assert platform.exit_status("commissioning") == -signal.SIGKILL
    platform.restart("commissioning")
    await eventually(lambda: paid(platform, acked), within=90, what="every observation paid")
    result = await tally(platform, "consumer SIGKILLed between DB commit and offset commit", acked)
    result.redelivered = (await consumer_outcomes(platform.url("commissioning"), GROUP))[
        "duplicate"
    ]
    result.report()
    await check_ledger(platform, result.name, acked)
    assert result.lost == 0
    assert result.duplicated_applied == 0
    assert result.duplicated_delivered > 0


@pytest.mark.timeout(180)
async def test_duplicated_deliveries_are_applied_once(
    platform: Platform, gateway: Api, world: World
) -> None:
    await days_pass(platform, gateway, world, 24)  # the one-day periods 20-22 have ended
    acked = await verified_observations(gateway, world, first_day=20, count=3)
    await eventually(lambda: paid(platform, acked), within=60, what="every observation paid")
    before = await consumer_outcomes(platform.url("commissioning"), GROUP)
    again = [
        r
        for r in await read_records(platform.kafka.bootstrap, TOPIC)
        if any(obs.encode() in r.value for obs in acked)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=platform.kafka.bootstrap)
    await producer.start()
    try:
        for record in again:
            await producer.send_and_wait(
                TOPIC, record.value, key=record.key, headers=list(record.headers)
            )
    finally:
        await producer.stop()

    async def seen_again() -> int:
        now = await consumer_outcomes(platform.url("commissioning"), GROUP)
        delta = now["duplicate"] - before["duplicate"]
        return delta if delta >= len(again) else 0

    redelivered = await eventually(seen_again, within=60, what="the duplicates to be consumed")
    result = await tally(platform, "duplicated deliveries injected", acked)
    result.redelivered = redelivered
    result.report()
    await check_ledger(platform, result.name, acked)
    assert result.lost == 0
    assert result.duplicated_applied == 0
    assert result.duplicated_delivered >= len(again) > 0
