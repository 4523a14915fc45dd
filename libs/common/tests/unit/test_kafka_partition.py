"""The relay's own partition choice must equal Kafka's default partitioner, key by key."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner

from streetlevel.common.bus.kafka import _partition


def test_each_key_lands_where_the_default_partitioner_puts_it() -> None:
    keys = ["", "a", "t0001", "0190c3a2-1234-7abc-8def-0123456789ab", "Zoë's café"]
    keys += [f"enterprise-{i}" for i in range(200)]
    for partitions in (1, 3, 6, 7):
        everything = list(range(partitions))
        for key in keys:
            expected = DefaultPartitioner()(key.encode(), everything, everything)
            assert _partition(key, partitions) == expected, (key, partitions)
