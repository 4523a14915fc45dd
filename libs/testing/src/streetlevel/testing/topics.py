"""Reading what reached a Kafka topic, from its start, as a test checks it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer


async def read_records(bootstrap: str, topic: str, count: int, *, within: float = 60) -> list[Any]:
    """The first ``count`` records of ``topic`` (all partitions, no group, nothing committed).

    Fails with ``TimeoutError`` if fewer arrive within ``within`` seconds.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(within):
            while len(records) < count:
                batch = await consumer.getmany(timeout_ms=500)
                records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records
