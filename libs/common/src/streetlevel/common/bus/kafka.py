"""Kafka adapters on aiokafka: idempotent producer, grouped consumers, dead-letter topics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaError,
    TopicAlreadyExistsError,
    for_code,
)
from aiokafka.partitioner import murmur2

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
    """Create the topics that do not exist yet (development and tests; Strimzi in production).

    One CreateTopics request for all of them; "already exists" is the expected answer.
    """
    wanted = [
        NewTopic(
            name=t,
            num_partitions=partitions,
            replication_factor=replication,
            topic_configs=config or {},
        )
        for t in sorted(set(topics))
    ]
    if not wanted:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(client_options or {}))
    await admin.start()
    try:
        response = await admin.create_topics(wanted)
    finally:
        await admin.close()
    for topic, code, *_rest in response.topic_errors:
        if code not in (0, TopicAlreadyExistsError.errno):
            raise for_code(code)(f"cannot create topic {topic}")


async def dead_letters_waiting(
    bootstrap: str,
    group: str,
    topics: Iterable[str],
    *,
    client_options: dict[str, Any] | None = None,
) -> int:
    """How many of ``group``'s dead letters the replay (group ``<group>.replay``) has not moved."""
    names = sorted({dlq_topic(t, group) for t in topics})
    options = client_options or {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **options)
    await admin.start()
    try:
        # Only topics that exist: describing a missing one could auto-create it. A DLQ topic
        # not created yet holds nothing.
        existing = set(await admin.list_topics())
        present = [n for n in names if n in existing]
        described = await admin.describe_topics(present) if present else []
        tps = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if t["error_code"] == 0
            for p in t["partitions"]
        ]
        if not tps:
            return 0
        replayed = await admin.list_consumer_group_offsets(f"{group}.replay", partitions=tps)
        await consumer.start()
        first = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
        await admin.close()
    waiting = 0
    for tp in tps:
        done = replayed[tp].offset if tp in replayed else -1
        waiting += max(end[tp] - max(first[tp], done), 0)
    return waiting


class KafkaPublisher:
    """The relay's transport: idempotent, ``acks=all``, keyed by the ordering aggregate.

    No linger by default: the relay hands over a whole outbox batch at once, so waiting for
    more messages only delays a lone event.
    """

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "streetlevel",
        topic_prefix: str = "",
        linger_ms: int = 0,
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
        """Send ``messages`` in order and wait for every ack.

        A trickle goes message by message, which hands each record to the sender at once
        (building batches measured slower to the ack); from ``BATCH_FROM`` messages, one
        record batch per partition (aiokafka's per-message path was most of the relay's CPU).
        """
        if len(messages) < BATCH_FROM:
            futures = [
                await self._producer.send(
                    self.topic_prefix + m.topic,
                    value=m.value,
                    key=m.key.encode(),
                    headers=list(m.headers),
                )
                for m in messages
            ]
        else:
            futures = await self._send_batches(messages)
        await asyncio.gather(*futures)

    async def _send_batches(self, messages: Sequence[OutboxMessage]) -> list[asyncio.Future[Any]]:
        """Queue ``messages`` as record batches, one partition's in order; their ack futures."""
        by_partition: dict[tuple[str, int], list[OutboxMessage]] = {}
        counts: dict[str, int] = {}
        for m in messages:
            topic = self.topic_prefix + m.topic
            count = counts.get(topic)
            if count is None:
                count = counts[topic] = len(await self._producer.partitions_for(topic))
            by_partition.setdefault((topic, _partition(m.key, count)), []).append(m)
        futures = []
        for (topic, partition), batch in by_partition.items():
            builder = self._producer.create_batch()
            for m in batch:
                record = {"timestamp": None, "key": m.key.encode(), "value": m.value}
                if builder.append(**record, headers=list(m.headers)) is None:
                    # Full: send it and go on in a new one (a fresh batch takes any one
                    # record); send_batch queues a partition's batches in order.
                    futures.append(
                        await self._producer.send_batch(builder, topic, partition=partition)
                    )
                    builder = self._producer.create_batch()
                    builder.append(**record, headers=list(m.headers))
            futures.append(await self._producer.send_batch(builder, topic, partition=partition))
        return futures

    async def send_raw(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        await (await self._producer.send(topic, value=value, key=key, headers=headers))


#: Outbox batches of at least this many messages go as one record batch per partition.
BATCH_FROM = 32


@functools.lru_cache(maxsize=65_536)
def _partition(key: str, partitions: int) -> int:
    """The partition of ``key`` as Kafka's default partitioner picks it (murmur2), remembered."""
    # The same choice as the Java client and aiokafka's send(), so one key keeps one partition
    # whichever producer wrote it; murmur2 is pure Python in aiokafka, hence the cache.
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


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
    """A consumer-group member: apply a polled batch, then commit its partitions' offsets.

    Offsets are committed only after the database transaction, so a crash between the two
    redelivers the batch and the inbox makes the second delivery a no-op. One member serves
    every topic of its group, each topic through its own processor (``processor`` may map
    topic → processor), so a service joins each of its groups once.
    """

    def __init__(
        self,
        *,
        bootstrap: str,
        group: str,
        topics: Sequence[str],
        processor: EventProcessor | Mapping[str, EventProcessor],
        client_id: str = "streetlevel",
        max_records: int = 1000,
        bulk_records: int | None = None,
        poll_timeout_ms: int = 200,
        fetch_max_wait_ms: int = 100,
        join_backoff_s: float = 0.5,
        **consumer_options: Any,
    ) -> None:
        self.group = group
        self.topics = list(topics)
        if isinstance(processor, EventProcessor):
            self.routes: dict[str, EventProcessor] = dict.fromkeys(self.topics, processor)
        else:
            self.routes = {topic: processor[topic] for topic in self.topics}
        self.processor = self.routes[self.topics[0]]
        self.max_records = max_records
        # Asked for only while a backlog waits (the last poll was full): fewer transactions
        # per event; a lone event is returned as soon as it is fetched either way.
        self.bulk_records = max(bulk_records or 4 * max_records, max_records)
        self.poll_timeout_ms = poll_timeout_ms
        self.join_backoff_s = join_backoff_s
        self._options: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "group_id": group,
            "client_id": client_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": max_records,
            # The broker answers a fetch as soon as one byte is there; the wait only bounds
            # an empty poll, so a short one costs nothing and keeps stop() responsive.
            "fetch_max_wait_ms": fetch_max_wait_ms,
            **consumer_options,
        }
        self._consumer = self._new_consumer()
        self._joined = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self._lagged: set[TopicPartition] = set()
        self.failure: BaseException | None = None

    def _new_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(*self.topics, **self._options)

    async def start(self, *, wait: bool = True) -> None:
        """Join the group and consume; ``wait=False`` joins in the background (start-up)."""
        if wait:
            await self._consumer.start()
            self._joined = True
        self._task = asyncio.create_task(self._main(), name=f"consumer-{self.group}")

    @property
    def joined(self) -> bool:
        """True once the group has given this member its partitions."""
        return self._joined

    async def stop(self) -> None:
        """Finish the batch in hand, commit it, then leave the group."""
        self._stopping.set()
        if self._task is not None:
            if not self._joined:
                self._task.cancel()  # still joining: nothing in hand to finish
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception:  # the loop already died; stopping must still leave the group
                log.exception("consumer %s: loop had failed", self.group)
        await self._consumer.stop()
        self._forget_lag(set())

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def _main(self) -> None:
        try:
            if not self._joined:
                await self._join()
            await self._run()
        except Exception as exc:
            # The processor pauses and retries infrastructure errors itself, so whatever ends
            # the loop will not pass by retrying here. Leave the group at once, so that its
            # partitions go to a healthy member instead of waiting behind a live heartbeat,
            # and say so: /livez fails and the orchestrator restarts the process.
            self.failure = exc
            log.exception("consumer %s: loop failed; leaving the group", self.group)
            with contextlib.suppress(Exception):
                await self._consumer.stop()

    async def _join(self) -> None:
        """Start the consumer, retrying while the broker cannot be reached."""
        backoff = self.join_backoff_s
        while not self._stopping.is_set():
            try:
                await self._consumer.start()
                self._joined = True
                return
            except (KafkaError, OSError) as exc:
                log.warning("consumer %s: cannot join (%s); retrying", self.group, exc)
                with contextlib.suppress(Exception):
                    await self._consumer.stop()
                self._consumer = self._new_consumer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _run(self) -> None:
        limit = self.max_records
        while not self._stopping.is_set():
            try:
                batches = await self._consumer.getmany(
                    timeout_ms=self.poll_timeout_ms, max_records=limit
                )
            except KafkaError as exc:
                log.warning("consumer %s: fetch failed: %s", self.group, exc)
                await asyncio.sleep(0.5)
                continue
            full = sum(len(records) for records in batches.values()) >= limit
            limit = self.bulk_records if full else self.max_records
            if self._lagged:
                self._forget_lag(self._consumer.assignment())
            by_topic: dict[str, list[tuple[TopicPartition, list[Any]]]] = {}
            for tp, records in batches.items():
                by_topic.setdefault(tp.topic, []).append((tp, records))
            for topic, parts in by_topic.items():
                # One transaction for the topic's partitions, then each partition's offset.
                await self.routes[topic].process(
                    [
                        Delivery(
                            topic=r.topic,
                            key=(r.key or b"").decode(),
                            value=r.value or b"",
                            partition=r.partition,
                            offset=r.offset,
                        )
                        for _tp, records in parts
                        for r in records
                    ]
                )
                for tp, records in parts:
                    if tp not in self._consumer.assignment():
                        # Revoked while its batch was applied: the new owner redelivers from
                        # the last commit and the inbox makes that safe.
                        continue
                    await self.commit_offset(tp, records[-1].offset + 1)
                    if tp in self._consumer.assignment():  # aiokafka asserts on a revoked one
                        self._record_lag(tp, records[-1].offset + 1)
                self.batches += 1

    async def commit_offset(self, tp: TopicPartition, offset: int) -> None:
        try:
            await self._consumer.commit({tp: offset})
        except (CommitFailedError, IllegalStateError) as exc:
            # The group rebalanced (IllegalStateError: the partition was revoked while its batch
            # was applied): its new owner redelivers from the last commit and the inbox makes
            # that safe. Raising here would end the loop while the member, still heartbeating,
            # kept its other partitions: they would stall for good.
            log.warning("consumer %s: offset commit failed: %s", self.group, exc)

    def _forget_lag(self, assigned: set[TopicPartition]) -> None:
        """Drop the lag of partitions this member no longer owns."""
        # Their new owner reports it; a stale value here would count twice in a group's sum.
        for tp in self._lagged - assigned:
            with contextlib.suppress(KeyError):
                CONSUMER_LAG.remove(self.group, tp.topic, str(tp.partition))
        self._lagged &= assigned

    def _record_lag(self, tp: TopicPartition, position: int) -> None:
        highwater = self._consumer.highwater(tp)
        if highwater is not None:
            self._lagged.add(tp)
            CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(
                max(highwater - position, 0)
            )
