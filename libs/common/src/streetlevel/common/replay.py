"""``streetlevel-events replay``: put dead-lettered events back on their topic once fixed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streetlevel.common.bus.kafka import dlq_topic


@dataclass(frozen=True)
class ReplayResult:
    replayed: int
    dlq: str


async def replay_dead_letters(
    *, bootstrap: str, topic: str, group: str, limit: int | None = None
) -> ReplayResult:
    """Re-publish what ``<topic>.<group>.dlq`` holds, committing progress as it goes.

    The replay group remembers where it got to, so running it twice does not republish;
    consumers' inboxes make a republished event that was applied meanwhile a no-op.
    """
    source = dlq_topic(topic, group)
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"{group}.replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        while limit is None or replayed < limit:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    if limit is not None and replayed >= limit:
                        break
                    headers = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
                    headers.append(("replayed_from", source.encode()))
                    await producer.send_and_wait(
                        topic, value=record.value, key=record.key, headers=headers
                    )
                    replayed += 1
                    await consumer.commit(
                        {TopicPartition(tp.topic, tp.partition): record.offset + 1}
                    )
    finally:
        await producer.stop()
        await consumer.stop()
    return ReplayResult(replayed=replayed, dlq=source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="streetlevel-events", description="Operate on the event backbone."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    replay = sub.add_parser("replay", help="move a consumer group's dead letters back")
    replay.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    replay.add_argument("--topic", required=True, help="the original topic")
    replay.add_argument("--group", required=True, help="the consumer group whose DLQ to replay")
    replay.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(
        replay_dead_letters(
            bootstrap=args.bootstrap, topic=args.topic, group=args.group, limit=args.limit
        )
    )
    sys.stdout.write(f"replayed {result.replayed} event(s) from {result.dlq}\n")
    return 0
