"""event_freshness's measurement: commit → applied per change, split where the time goes.

Every timestamp is one the platform already keeps, so nothing is switched on for the benchmark:

* ``changed``  — registry ``enterprises.updated_at``: the PATCH use case, before its commit;
* ``sent``     — the Kafka record's CreateTime: the relay's producer ``send()`` (ms resolution);
* ``acked``    — registry ``outbox.published_at``: the relay's mark, once it resumed after the
  broker's ack (late when the registry's loop is busy: the consumer may have it already);
* ``received`` — commissioning ``enterprise_read_model.updated_at``: its handler's clock, read
  once the consumer holds the batch (after the inbox's one lookup);
* ``applied``  — commissioning ``inbox.received_at``: written last in the consumer's
  transaction, just before its commit.

All on the same host clock. The headline latency stays ``received`` − ``changed`` (the figure
the first round measured); the splits are consecutive differences.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streetlevel.common.db import asyncpg_dsn

REGISTRY_TOPIC = "registry.enterprise.v1"
#: (name, from, to) of each split, in the order a change passes them.
SPLITS = (
    ("commit_to_relay_send", "changed", "sent"),
    ("relay_send_to_consumer", "sent", "received"),
    ("consumer_to_commit", "received", "applied"),
    # When the relay's coroutine saw the broker's ack: it resumes only when the loop it shares
    # with the requests gets to it, so this is later than the ack itself.
    ("relay_send_to_ack_seen", "sent", "acked"),
    # The first round's two halves, split at the relay's mark.
    ("relay_ms", "changed", "acked"),
    ("consumer_ms", "acked", "received"),
)


async def patch_at_rate(
    url: str, token: str, ids: list[str], rate: float, label: str = "Benchmark change"
) -> dict[str, Any]:
    """One merge patch per enterprise, sent on a fixed schedule (open loop)."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/merge-patch+json",
    }
    failures: list[int] = []

    async def one(session: aiohttp.ClientSession, i: int, ident: str) -> None:
        body = json.dumps({"mission": f"{label} {i}: community support"})
        target = f"{url}/v1/enterprises/{ident}"
        try:
            async with session.patch(target, data=body, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    failures.append(r.status)
        except (aiohttp.ClientError, TimeoutError):
            failures.append(0)

    start = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = []
        for i, ident in enumerate(ids):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, i, ident)))
        await asyncio.gather(*tasks)
    return {"sent": len(ids), "seconds": time.perf_counter() - start, "failures": failures}


async def _await_applied(dsn: str, event_ids: list[str], limit_s: float = 120) -> None:
    """Until commissioning's inbox holds every one of ``event_ids`` (or ``limit_s`` passed)."""
    comm = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            seen = await comm.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = ANY($1::text[])", event_ids
            )
            if seen == len(event_ids):
                return
            await asyncio.sleep(0.2)
    finally:
        await comm.close()


async def _sent_times(bootstrap: str, keys: set[str]) -> dict[str, datetime]:
    """Each key's newest record's CreateTime on the registry's topic (read from the start)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([REGISTRY_TOPIC])
    finally:
        await admin.close()
    parts = [TopicPartition(REGISTRY_TOPIC, p["partition"]) for p in described[0]["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        sent: dict[str, datetime] = {}
        while [tp for tp in parts if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batches.values():
                for r in records:
                    key = (r.key or b"").decode()
                    if key in keys:
                        sent[key] = datetime.fromtimestamp(r.timestamp / 1000, UTC)
        return sent
    finally:
        await consumer.stop()


async def measure(
    registry_url: str, commissioning_url: str, bootstrap: str, ids: list[str], since: datetime
) -> tuple[list[float], dict[str, list[float]]]:
    """Latency per change (ms) and each split's values, once every change has arrived.

    Only events written since ``since`` count: a change the registry never took (a client
    timeout) must not be measured again by an earlier arm's event of the same enterprise.
    """
    dsn_c, dsn_r = asyncpg_dsn(commissioning_url), asyncpg_dsn(registry_url)
    newest = (
        "SELECT DISTINCT ON (key) key, event_id, published_at FROM outbox "
        "WHERE key = ANY($1::text[]) AND created_at >= $2 ORDER BY key, id DESC"
    )
    reg = await asyncpg.connect(dsn_r)
    try:
        event_of = {r["event_id"]: r["key"] for r in await reg.fetch(newest, ids, since)}
        await _await_applied(dsn_c, list(event_of))
        changed = {
            r["id"]: r["updated_at"]
            for r in await reg.fetch(
                "SELECT id::text, updated_at FROM enterprises WHERE id = ANY($1::uuid[])", ids
            )
        }
        acked = {
            r["key"]: r["published_at"]
            for r in await reg.fetch(newest, ids, since)
            if r["published_at"] is not None
        }
    finally:
        await reg.close()
    comm = await asyncpg.connect(dsn_c)
    try:
        received = {
            r["id"]: r["updated_at"]
            for r in await comm.fetch(
                "SELECT id, updated_at FROM enterprise_read_model WHERE id = ANY($1::text[])", ids
            )
        }
        applied = {
            event_of[r["event_id"]]: r["received_at"]
            for r in await comm.fetch(
                "SELECT event_id, received_at FROM inbox WHERE event_id = ANY($1::text[])",
                list(event_of),
            )
        }
    finally:
        await comm.close()
    sent = await _sent_times(bootstrap, set(ids))
    mine = set(event_of.values())  # the enterprises this arm changed
    points = {
        "changed": changed,
        "sent": sent,
        "acked": acked,
        "received": received,
        "applied": applied,
    }
    stages = {
        name: [
            (points[b][i] - points[a][i]).total_seconds() * 1000
            for i in ids
            if i in mine and i in points[a] and i in points[b]
        ]
        for name, a, b in SPLITS
    }
    latency = [
        (received[i] - changed[i]).total_seconds() * 1000
        for i in ids
        if i in received and i in mine
    ]
    return latency, stages
