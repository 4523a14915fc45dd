"""A partition revoked while its batch is applied must not end the member's loop (commit, lag)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError

from streetlevel.common.bus.kafka import KafkaConsumerRunner
from streetlevel.common.consumer import Delivery

TP = TopicPartition("t.v1", 5)


class RevokingConsumer:
    """Hands out two batches; the group revokes the partition while the first is applied."""

    def __init__(self, runner: KafkaConsumerRunner) -> None:
        self.runner = runner
        self.polls = 0
        self.committed: list[int] = []

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        self.polls += 1
        if self.polls > 2:
            self.runner._stopping.set()
            return {}
        record = SimpleNamespace(topic=TP.topic, key=b"k", value=b"{}", partition=5, offset=0)
        return {TP: [record]}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if TP not in self.assignment():
            raise IllegalStateError(f"Partition {TP} is not assigned")
        self.committed.append(offsets[TP])

    def assignment(self) -> set[TopicPartition]:
        return set() if self.polls == 1 else {TP}  # revoked during the first batch, then back

    def highwater(self, tp: TopicPartition) -> int:
        assert tp in self.assignment(), "Partition is not assigned"  # as aiokafka does
        return 1


class Applied:
    def __init__(self) -> None:
        self.batches: list[Sequence[Delivery]] = []

    async def process(self, deliveries: Sequence[Delivery]) -> None:
        self.batches.append(deliveries)


async def test_a_commit_for_a_revoked_partition_is_skipped_and_the_loop_goes_on() -> None:
    applied = Applied()
    runner = KafkaConsumerRunner(
        bootstrap="127.0.0.1:9",
        group="revoked-test",
        topics=["t.v1"],
        processor={"t.v1": applied},  # type: ignore[dict-item]
    )
    consumer = RevokingConsumer(runner)
    runner._consumer = consumer  # type: ignore[assignment]

    await runner._run()

    assert len(applied.batches) == 2  # the second batch was still consumed
    assert consumer.committed == [1]  # only the batch whose partition was still ours
    assert runner.batches == 2
