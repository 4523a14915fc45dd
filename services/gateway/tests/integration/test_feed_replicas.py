"""Two gateway replicas on one PostgreSQL and Kafka: one feed writer, one gapless feed."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from aiokafka import AIOKafkaProducer

from streetlevel.common.bus.kafka import ensure_topics
from streetlevel.common.events import Envelope
from streetlevel.gateway import migrate
from streetlevel.gateway.app import create_app
from streetlevel.gateway.feed import PUBLIC_TOPICS
from streetlevel.testing.lifespan import LifespanManager

SUBJECTS = 6


def envelope(kind: str, subject_id: str, seq: int) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="/streetlevel/registry",
        type=f"org.streetlevel.registry.enterprise.{kind}.v1",
        subject=f"enterprise/{subject_id}",
        time=datetime.now(UTC),
        sequence=str(seq),
        data={
            "enterprise": {
                "id": subject_id,
                "name": f"Enterprise {subject_id[:4]}",
                "legal_form": "cic_limited_by_guarantee",
                "status": "verified",
            }
        },
    )


class Replica:
    def __init__(self, app: Any, client: httpx2.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def writing(self) -> bool:
        return bool(self.app.gateway.writer.is_writing)

    async def page(self, cursor: int | None) -> dict[str, Any]:
        params = {"limit": "7"} if cursor is None else {"limit": "7", "cursor": str(cursor)}
        response = await self.client.get("/v1/events", params=params)
        assert response.status_code == 200
        return response.json()


@pytest.fixture
async def replicas(
    tmp_path,
    pg_database,
    kafka_bootstrap,
    topic_prefix,  # type: ignore[no-untyped-def]
    kit,
) -> AsyncIterator[list[Replica]]:
    await migrate.upgrade_async(pg_database)
    topics = [*PUBLIC_TOPICS, "outcomes.observation.v1"]
    await ensure_topics(kafka_bootstrap, [topic_prefix + t for t in topics])
    async with AsyncExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            settings = kit.settings(
                tmp_path / name,
                mode="distributed",
                database_url=pg_database,
                bus="kafka",
                kafka_bootstrap_servers=kafka_bootstrap,
                kafka_topic_prefix=topic_prefix,
                feed_lease_check_s=0.2,
                rate_limit_anonymous="1000000/minute",
            )
            (tmp_path / name).mkdir()
            app = create_app(settings, services=[])
            await stack.enter_async_context(LifespanManager(app))
            client = await stack.enter_async_context(
                httpx2.AsyncClient(
                    transport=httpx2.ASGITransport(app=app), base_url=f"http://{name}"
                )
            )
            replicas.append(Replica(app, client))
        yield replicas


async def produce(bootstrap: str, topic: str, events: list[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(topic, event.to_json(), key=event.aggregate_id.encode())
    finally:
        await producer.stop()


async def read_all(
    replicas: list[Replica], cursor: int | None, expect: int, rng: random.Random
) -> tuple[list[dict[str, Any]], int | None]:
    """Page the feed, switching replica at random between pages, until ``expect`` items."""
    items: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while len(items) < expect:
        assert time.monotonic() < deadline, f"feed stalled at {len(items)} of {expect}"
        page = await rng.choice(replicas).page(cursor)
        items.extend(page["items"])
        if page["items"]:
            cursor = page["items"][-1]["position"]
        else:
            await asyncio.sleep(0.05)
    return items, cursor


def check_story(items: list[dict[str, Any]], produced: list[Envelope]) -> None:
    positions = [int(item["position"]) for item in items]
    assert positions == list(range(positions[0], positions[0] + len(items)))  # gapless
    assert sorted(item["id"] for item in items) == sorted(e.id for e in produced)  # once each
    for subject in {e.subject for e in produced}:
        seqs = [int(i["sequence"]) for i in items if i["subject"] == subject]
        assert seqs == sorted(seqs)  # per-aggregate order kept
    by_id = {e.id: e for e in produced}
    for item in items:
        published = by_id[item["id"]].model_dump(mode="json", exclude_none=True)
        assert {k: v for k, v in item.items() if k != "position"} == published


async def test_any_replica_serves_every_public_event_once_in_order_across_a_failover(
    replicas: list[Replica], kafka_bootstrap: str, topic_prefix: str
) -> None:
    rng = random.Random(7)
    subjects = [str(uuid.uuid4()) for _ in range(SUBJECTS)]
    first = [
        envelope("registered" if s == 1 else "updated", sid, s)
        for s in range(1, 6)
        for sid in subjects
    ]
    await produce(kafka_bootstrap, topic_prefix + "registry.enterprise.v1", first)
    # An internal event never reaches the feed: its topic is not one the writer consumes.
    await produce(
        kafka_bootstrap,
        topic_prefix + "outcomes.observation.v1",
        [envelope("registered", subjects[0], 99)],
    )

    items, cursor = await read_all(replicas, None, len(first), rng)
    check_story(items, first)
    writers = [r for r in replicas if r.writing]
    assert len(writers) == 1  # one writer: the other replica only serves reads

    # Resuming from any cursor on any replica sees exactly the rest.
    middle = items[len(items) // 2]["position"]
    for replica in replicas:
        rest, _ = await read_all([replica], middle, len(items) - len(items) // 2 - 1, rng)
        assert [i["position"] for i in rest] == [
            i["position"] for i in items if int(i["position"]) > int(middle)
        ]

    # The writer's replica goes away; the other takes the lease and carries on.
    active = writers[0]
    standby = next(r for r in replicas if r is not active)
    await active.app.gateway.writer.stop()
    second = [envelope("updated", sid, s) for s in range(6, 9) for sid in subjects]
    await produce(kafka_bootstrap, topic_prefix + "registry.enterprise.v1", second)
    more, _ = await read_all([standby], cursor, len(second), rng)
    assert standby.writing
    check_story(items + more, first + second)


async def test_server_sent_events_resume_after_last_event_id_over_http(
    replicas: list[Replica], kafka_bootstrap: str, topic_prefix: str
) -> None:
    import aiohttp
    import uvicorn

    subject = str(uuid.uuid4())
    events = [envelope("registered" if s == 1 else "updated", subject, s) for s in range(1, 6)]
    await produce(kafka_bootstrap, topic_prefix + "registry.enterprise.v1", events)
    items, _ = await read_all(replicas, None, len(events), random.Random(1))
    resume_after = items[1]["position"]

    config = uvicorn.Config(
        replicas[1].app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no start event
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"http://127.0.0.1:{port}/v1/events",
                headers={"Accept": "text/event-stream", "Last-Event-ID": str(resume_after)},
            ) as response,
        ):
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            ids: list[int] = []
            async with asyncio.timeout(20):
                async for raw in response.content:
                    line = raw.decode().strip()
                    if line.startswith("id: "):
                        ids.append(int(line[4:]))
                    if len(ids) == 3:
                        break
        assert ids == [int(i["position"]) for i in items[2:5]]
    finally:
        server.should_exit = True
        await task
