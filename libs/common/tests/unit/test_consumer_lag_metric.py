"""Consumer lag is reported per partition by its owner only, so a group's sum stays true."""

from __future__ import annotations

from aiokafka import TopicPartition

from streetlevel.common.bus.kafka import KafkaConsumerRunner
from streetlevel.common.metrics import REGISTRY


def lag(group: str, partition: int) -> float | None:
    labels = {"group": group, "topic": "t.v1", "partition": str(partition)}
    return REGISTRY.get_sample_value("streetlevel_consumer_lag_messages", labels)


async def test_a_member_forgets_the_lag_of_partitions_it_lost() -> None:
    runner = KafkaConsumerRunner(
        bootstrap="127.0.0.1:9", group="lag-test", topics=["t.v1"], processor={"t.v1": None}
    )
    runner._consumer.highwater = lambda tp: 10  # type: ignore[method-assign]
    first, second = TopicPartition("t.v1", 0), TopicPartition("t.v1", 1)

    runner._record_lag(first, 4)
    runner._record_lag(second, 8)
    assert (lag("lag-test", 0), lag("lag-test", 1)) == (6, 2)

    runner._forget_lag({second})  # a rebalance gave partition 0 to another member
    assert (lag("lag-test", 0), lag("lag-test", 1)) == (None, 2)

    runner._forget_lag(set())  # stopped
    assert lag("lag-test", 1) is None
