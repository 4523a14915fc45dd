"""Kafka adapters on aiokafka: idempotent producer, grouped consumers, dead-letter topics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError

from streetlevel.common.consumer import Delivery, EventProcessor
from streetlevel.common.metrics import CONSUMER_LAG
from streetlevel.common.outbox import OutboxMessage

log = logging.getLogger(__name__)


def dlq_topic(topic: str, group: str) -> str:
    """The dead-letter topic of ``group`` for ``topic`` (EVENTS.md)."""
    return f"{topic}.{group}.dlq"


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    *,
    partitions: int = 3,
    replication: int = 1,
    config: dict[str, str] | None = None,
    client_options: dict[str, Any] | None = None,
) -> None:
    """Create the topics that do not exist yet (development and tests; Strimzi in production)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(client_options or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=t,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs=config or {},
            )
            for t in sorted(set(topics))
            if t not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


class KafkaPublisher:
    """The relay's transport: idempotent, ``acks=all``, keyed by the ordering aggregate."""

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "streetlevel",
        topic_prefix: str = "",
        linger_ms: int = 5,
        compression: str | None = None,
        request_timeout_ms: int = 15_000,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.topic_prefix = topic_prefix
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=linger_ms,
            compression_type=compression,
            max_batch_size=262_144,
            request_timeout_ms=request_timeout_ms,
            **(client_options or {}),
        )
        self._started = False

    async def start(self) -> None:
        await self._producer.start()
        self._started = True

    async def stop(self) -> None:
        if self._started:
            await self._producer.stop()
            self._started = False

    async def ping(self) -> None:
        """A metadata round trip: proves the broker answers (readiness)."""
        await self._producer.client.fetch_all_metadata()

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        futures = [
            await self._producer.send(
                self.topic_prefix + m.topic,
                value=m.value,
                key=m.key.encode(),
                headers=list(m.headers),
            )
            for m in messages
        ]
        await asyncio.gather(*futures)

    async def send_raw(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        await (await self._producer.send(topic, value=value, key=key, headers=headers))


class KafkaDeadLetterSink:
    """Sends an event that keeps failing to ``<topic>.<group>.dlq`` with the error in headers."""

    def __init__(self, publisher: KafkaPublisher, group: str) -> None:
        self.publisher = publisher
        self.group = group

    async def send(self, delivery: Delivery, error: str) -> None:
        headers = [
            ("dlq_error", error[:2000].encode()),
            ("dlq_original_topic", delivery.topic.encode()),
            ("dlq_original_partition", str(delivery.partition).encode()),
            ("dlq_original_offset", str(delivery.offset).encode()),
            ("dlq_consumer_group", self.group.encode()),
        ]
        await self.publisher.send_raw(
            dlq_topic(delivery.topic, self.group), delivery.value, delivery.key.encode(), headers
        )


class KafkaConsumerRunner:
    """A consumer-group member: apply a partition's batch, then commit its offset.

    Offsets are committed only after the database transaction, so a crash between the two
    redelivers the batch and the inbox makes the second delivery a no-op.
    """

    def __init__(
        self,
        *,
        bootstrap: str,
        group: str,
        topics: Sequence[str],
        processor: EventProcessor,
        client_id: str = "streetlevel",
        max_records: int = 500,
        **consumer_options: Any,
    ) -> None:
        self.group = group
        self.topics = list(topics)
        self.processor = processor
        self.max_records = max_records
        self._consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=bootstrap,
            group_id=group,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_records,
            **consumer_options,
        )
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        """Finish the batch in hand, commit it, then leave the group."""
        self._stopping.set()
        if self._task is not None:
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception:  # the loop already died; stopping must still leave the group
                log.exception("consumer %s: loop had failed", self.group)
        await self._consumer.stop()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=self.max_records)
            except KafkaError as exc:
                log.warning("consumer %s: fetch failed: %s", self.group, exc)
                await asyncio.sleep(0.5)
                continue
            for tp, records in batches.items():
                deliveries = [
                    Delivery(
                        topic=r.topic,
                        key=(r.key or b"").decode(),
                        value=r.value or b"",
                        partition=r.partition,
                        offset=r.offset,
                    )
                    for r in records
                ]
                await self.processor.process(deliveries)
                await self.commit_offset(tp, records[-1].offset + 1)
                self.batches += 1
                self._record_lag(tp, records[-1].offset + 1)

    async def commit_offset(self, tp: TopicPartition, offset: int) -> None:
        try:
            await self._consumer.commit({tp: offset})
        except CommitFailedError as exc:
            # The group rebalanced: another member redelivers; the inbox makes that safe.
            log.warning("consumer %s: offset commit failed: %s", self.group, exc)

    def _record_lag(self, tp: TopicPartition, position: int) -> None:
        highwater = self._consumer.highwater(tp)
        if highwater is not None:
            CONSUMER_LAG.labels(self.group, tp.topic).set(max(highwater - position, 0))
