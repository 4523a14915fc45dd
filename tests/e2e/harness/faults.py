"""Counting for the fault tests: acknowledged writes, published events, applied effects."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx2
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass
class Tally:
    """What the API acknowledged, what reached the topic and what the consumer applied."""

    name: str
    acked: set[str] = field(default_factory=set)
    published: Counter[str] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)
    redelivered: int = 0

    @property
    def lost(self) -> int:
        """Acknowledged writes whose effect never reached the topic or was never applied."""
        return len({k for k in self.acked if not self.published[k] or not self.applied[k]})

    @property
    def duplicated_applied(self) -> int:
        return sum(n - 1 for n in self.applied.values() if n > 1)

    @property
    def duplicated_delivered(self) -> int:
        """Deliveries beyond the first: duplicates on the topic plus consumer-side redeliveries."""
        return sum(n - 1 for n in self.published.values() if n > 1) + self.redelivered

    def report(self) -> str:
        line = (
            f"{self.name}: acked = {len(self.acked)}, published = {sum(self.published.values())}, "
            f"applied = {sum(self.applied.values())}; lost = {self.lost}, "
            f"duplicated_applied = {self.duplicated_applied}, "
            f"duplicated_delivered = {self.duplicated_delivered}"
        )
        print(line)
        return line


async def read_topic(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every envelope on the topic, from the beginning to the current end (no group)."""
    return [json.loads(r.value or b"{}") for r in await read_records(bootstrap, topic)]


async def read_records(bootstrap: str, topic: str) -> list[Any]:
    """Every Kafka record of the topic, from the beginning to the current end (no group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        out: list[Any] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batches.values():
                out += records
        return out
    finally:
        await consumer.stop()


def per_key(
    events: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str | None]
) -> Counter[str]:
    """How many times each key's event appears (by event id: a republished event counts twice)."""
    counts: Counter[str] = Counter()
    for event in events:
        k = key(event)
        if k is not None:
            counts[k] += 1
    return counts


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
        return sorted(p["partition"] for p in described[0]["partitions"])
    finally:
        await admin.close()


async def query(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def consumer_outcomes(base_url: str, consumer: str) -> Counter[str]:
    """streetlevel_events_applied_total of the consumers named consumer*, by outcome."""
    async with httpx2.AsyncClient(base_url=base_url, timeout=10) as http:
        text = (await http.get("/metrics")).text
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        if line.startswith("streetlevel_events_applied_total{") and f'"{consumer}' in line:
            outcome = re.search(r'outcome="(\w+)"', line)
            if outcome:
                counts[outcome.group(1)] += int(float(line.rsplit(" ", 1)[1]))
    return counts
