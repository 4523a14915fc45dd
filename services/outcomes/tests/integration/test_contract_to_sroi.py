"""PostgreSQL + Kafka: a contract event makes a plan; verified figures make progress and SROI.

Every verification, withdrawal and supersession reaches the internal topic exactly once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx2
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streetlevel.common.clock import FrozenClock
from streetlevel.common.ids import new_id
from streetlevel.outcomes.app import create_app
from streetlevel.outcomes.migrate import upgrade
from streetlevel.outcomes.settings import OutcomesSettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory
from streetlevel.testing.waiting import eventually

from ..support import BLACKPOOL_AREAS, BUYER, LSOA_A, LSOA_B, contract_created_data, contract_event

SUPPLIER = "e-integration"
Q1 = {"start": "2026-01-01", "end": "2026-03-31"}
Q2 = {"start": "2026-04-01", "end": "2026-06-30"}


async def test_a_contract_event_leads_to_verified_progress_sroi_and_each_event_once(
    pg_database_factory: Callable[..., Awaitable[str]],
    kafka_bootstrap: str,
    topic_prefix: str,
) -> None:
    url = await pg_database_factory("outcomes", prepare=upgrade)
    tokens = TokenFactory()
    settings = OutcomesSettings(
        database_url=url,
        bus="kafka",
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        kafka_topic_partitions=3,
        areas_file=str(BLACKPOOL_AREAS),
        outbox_poll_interval_s=0.2,
    )
    clock = FrozenClock(datetime(2026, 7, 1, 12, tzinfo=UTC))
    app = create_app(settings, key_source=tokens.key_source(), clock=clock)
    buyer = tokens.bearer(tokens.council(BUYER, "E06000009"))
    supplier = tokens.bearer(tokens.enterprise(SUPPLIER))
    contract_id = str(new_id())

    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=90):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
            await producer.start()
            try:
                event = contract_event(
                    "created", contract_id, contract_created_data(contract_id, SUPPLIER)
                )
                await producer.send_and_wait(
                    f"{topic_prefix}commissioning.contract.v1",
                    event.to_json(),
                    key=contract_id.encode(),
                    headers=[("ce_type", event.type.encode()), ("ce_id", event.id.encode())],
                )
            finally:
                await producer.stop()

            async def plan_items() -> list[dict[str, Any]]:
                response = await client.get(
                    "/v1/plans", params={"contract_id": contract_id}, headers=buyer
                )
                items: list[dict[str, Any]] = response.json()["items"]
                return items

            (plan,) = await eventually(plan_items)
            patched = await client.patch(
                f"/v1/plans/{plan['id']}",
                json={
                    "assumptions": {
                        "deadweight": 20,
                        "displacement": 10,
                        "attribution": 25,
                        "drop_off": 50,
                        "duration_years": 3,
                    }
                },
                headers=buyer,
            )
            assert patched.status_code == 200, patched.text

            async def post(path: str, body: dict[str, Any], who: dict[str, str]) -> Any:
                response = await client.post(path, json=body, headers=who)
                assert response.status_code in (200, 201), response.text
                return response.json()

            def observation(period: dict[str, str], area: str, value: str) -> dict[str, Any]:
                return {
                    "plan_id": plan["id"],
                    "indicator_code": "jobs.local_hires",
                    "period": period,
                    "area": area,
                    "value": value,
                }

            verified = {"decision": "verified"}
            first = await post("/v1/observations", observation(Q1, LSOA_A, "4"), supplier)
            await post(f"/v1/observations/{first['id']}/verification", verified, buyer)
            await post(
                f"/v1/observations/{first['id']}/verification-withdrawal",
                {"reason": "payroll entry counted twice"},
                buyer,
            )
            second = await post("/v1/observations", observation(Q1, LSOA_A, "5"), supplier)
            assert second["supersedes"] == first["id"]
            await post(f"/v1/observations/{second['id']}/verification", verified, buyer)
            third = await post("/v1/observations", observation(Q2, LSOA_B, "3"), supplier)
            await post(f"/v1/observations/{third['id']}/verification", verified, buyer)

            base = f"/v1/reports/contracts/{contract_id}"
            progress = (await client.get(f"{base}/progress", headers=buyer)).json()
            (jobs,) = [i for i in progress["outcomes"] if i["indicator_code"] == "jobs.local_hires"]
            # Verified 5 + 3 = 8 of a target of 12; the superseded 4 no longer counts.
            assert jobs["verified"] == {"value": "8", "suppressed": False}
            assert jobs["reported_unverified"] == "0"
            assert jobs["percent_of_target"] == "66.7"
            value = (await client.get(f"{base}/social-value", headers=buyer)).json()
            # 8 × £3,500 × 0.8 × 0.9 × 0.75 = 15,120, then 7,560 and 3,780 (50 % drop-off);
            # PV = 15,120/1.035 + 7,560/1.035² + 3,780/1.035³
            #    = 14,608.6956521… + 7,057.3408947… + 3,409.3434274… = £25,075.38
            # SROI = 25,075.3799743… / 20,000 = 1.25
            assert value["total_present_value"] == {"amount": "25075.38", "currency": "GBP"}
            assert value["sroi_ratio"] == "1.25"

    expected = Counter({"reported": 3, "verified": 3, "verification_withdrawn": 1, "superseded": 1})
    seen = await read_observation_topic(
        kafka_bootstrap, f"{topic_prefix}outcomes.observation.v1", sum(expected.values())
    )
    ids = [envelope["id"] for _key, envelope in seen]
    assert len(ids) == len(set(ids)) == sum(expected.values())
    assert Counter(envelope["type"].split(".")[-2] for _k, envelope in seen) == expected
    assert {key for key, _envelope in seen} == {contract_id}


async def read_observation_topic(
    bootstrap: str, topic: str, wanted: int
) -> list[tuple[str, dict[str, Any]]]:
    """Everything on the topic: read until ``wanted`` arrived, then a little longer for extras."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"count-{new_id().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[tuple[str, dict[str, Any]]] = []
    try:
        deadline = time.monotonic() + 30
        quiet_until = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    assert record.key is not None
                    seen.append((record.key.decode(), orjson.loads(record.value)))
            if len(seen) >= wanted and quiet_until is None:
                quiet_until = time.monotonic() + 2
            if quiet_until is not None and time.monotonic() > quiet_until:
                break
    finally:
        await consumer.stop()
    return seen
