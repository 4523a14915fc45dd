"""A consumer loop that ends leaves its group at once and makes /livez fail, never silently."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import httpx
from aiokafka import TopicPartition
from fastapi import FastAPI

from streetlevel.common.bus.kafka import KafkaConsumerRunner
from streetlevel.common.consumer import Delivery
from streetlevel.common.service import health_router

TP = TopicPartition("t.v1", 0)


class OneBatch:
    """Hands out one record, then nothing; records whether the member left its group."""

    def __init__(self) -> None:
        self.stopped = 0

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        record = SimpleNamespace(topic=TP.topic, key=b"k", value=b"{}", partition=0, offset=0)
        return {TP: [record]}

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    async def stop(self) -> None:
        self.stopped += 1


class Broken:
    async def process(self, deliveries: Sequence[Delivery]) -> None:
        raise RuntimeError("a bug the processor does not retry")


def _runner(consumer: OneBatch) -> KafkaConsumerRunner:
    runner = KafkaConsumerRunner(
        bootstrap="127.0.0.1:9",
        group="failing-test",
        topics=["t.v1"],
        processor={"t.v1": Broken()},  # type: ignore[dict-item]
    )
    runner._consumer = consumer  # type: ignore[assignment]
    runner._joined = True
    return runner


async def test_a_failed_loop_leaves_the_group_and_records_why() -> None:
    consumer = OneBatch()
    runner = _runner(consumer)

    await runner._main()  # returns instead of raising into an unwatched task

    assert isinstance(runner.failure, RuntimeError)
    assert consumer.stopped == 1  # left the group: its partitions go to a healthy member
    await runner.stop()  # stopping afterwards is still safe
    assert runner.failure is not None


async def test_livez_fails_while_a_consumer_loop_is_dead() -> None:
    failures: list[str] = []
    app = FastAPI()
    app.include_router(health_router(dict, lambda: failures))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        assert (await client.get("/livez")).status_code == 200
        failures.append("consumer failing-test: RuntimeError")
        dead = await client.get("/livez")
    assert dead.status_code == 503
    assert dead.headers["content-type"].startswith("application/problem+json")
    assert dead.json()["failures"] == ["consumer failing-test: RuntimeError"]
