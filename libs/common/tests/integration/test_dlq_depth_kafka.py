"""The dead letters a group has waiting: what its DLQ topic holds beyond the replay's progress."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from streetlevel.common.bus.kafka import dead_letters_waiting, dlq_topic, ensure_topics
from streetlevel.common.replay import replay_dead_letters
from streetlevel.testing.waiting import eventually

GROUP = "depth-test"


async def counted(bootstrap: str, topic: str) -> int | None:
    """The count, or None while a fresh broker has no group coordinator yet (retriable)."""
    try:
        return await dead_letters_waiting(bootstrap, GROUP, [topic])
    except KafkaError as exc:
        if not exc.retriable:
            raise
        return None


async def test_waiting_dead_letters_are_counted_until_replayed(
    kafka_bootstrap: str, unique_topic: str
) -> None:
    # No DLQ topic yet: nothing waits (a consumer that never dead-lettered).
    assert await dead_letters_waiting(kafka_bootstrap, GROUP, [unique_topic]) == 0

    dlq = dlq_topic(unique_topic, GROUP)
    await ensure_topics(kafka_bootstrap, [unique_topic, dlq], partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for key in (b"a", b"b", b"c"):
            await producer.send_and_wait(dlq, b"{}", key=key)
    finally:
        await producer.stop()
    assert await eventually(lambda: counted(kafka_bootstrap, unique_topic), "a count") == 3

    replayed = await replay_dead_letters(
        bootstrap=kafka_bootstrap, topic=unique_topic, group=GROUP, limit=2
    )
    assert replayed.replayed == 2
    assert await dead_letters_waiting(kafka_bootstrap, GROUP, [unique_topic]) == 1

    await replay_dead_letters(bootstrap=kafka_bootstrap, topic=unique_topic, group=GROUP)
    assert await dead_letters_waiting(kafka_bootstrap, GROUP, [unique_topic]) == 0
