"""Smoke tests of the real test infrastructure: PostgreSQL, template databases, Kafka."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.protocol.api import Request

from streetlevel.testing.infra import KafkaBroker, PostgresServer
from streetlevel.testing.pytest_plugin import PgDatabaseFactory, PgTemplates, TopicFactory


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _request_classes() -> list[type[Request[Any]]]:
    todo, seen = list(Request.__subclasses__()), []
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def negotiated_api_versions(client: Any) -> dict[str, str]:
    """Version aiokafka picks per request type, from the ApiVersions its connections received."""
    broker: dict[int, tuple[int, int]] = {}
    for conn in client._conns.values():
        broker.update(conn._versions)
    picked = {}
    for cls in sorted(_request_classes(), key=lambda c: c.API_KEY):
        if cls.API_KEY not in broker:
            continue
        lo, hi = broker[cls.API_KEY]
        ours = [c.API_VERSION for c in cls._CLASSES if lo <= c.API_VERSION <= hi]
        chosen = f"v{max(ours)}" if ours else "UNSUPPORTED"
        picked[cls.__name__.removesuffix("Request")] = f"{chosen} (broker {lo}..{hi})"
    return picked


async def test_postgres_reachable_with_pg_trgm(pg_server: PostgresServer, pg_database: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(pg_database))
    try:
        version = await conn.fetchval("SELECT version()")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        score = await conn.fetchval("SELECT similarity('community kitchen', 'comunity kitchen')")
        settings = dict(
            await conn.fetch(
                "SELECT name, setting FROM pg_settings WHERE name = ANY($1)",
                ["fsync", "max_connections", "synchronous_commit"],
            )
        )
    finally:
        await conn.close()
    print(f"\nPostgreSQL: {version}\nsettings: {settings}")
    assert version.startswith("PostgreSQL")
    assert score > 0.5
    assert settings["fsync"] == "off"


async def _prepare_async(url: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute("CREATE TABLE enterprise (id int PRIMARY KEY, name text NOT NULL)")
        await conn.execute("INSERT INTO enterprise VALUES (1, 'Seed CIC')")
    finally:
        await conn.close()


def _prepare_sync(url: str) -> None:
    # Like Alembic's command.upgrade with an async env.py: runs its own event loop.
    asyncio.run(_prepare_async(url))


async def test_database_from_template_has_template_table(
    pg_template: PgTemplates, pg_database_factory: PgDatabaseFactory
) -> None:
    await pg_template("smoke_async", _prepare_async)
    first = await pg_database_factory(template="smoke_async")
    second = await pg_database_factory(template="smoke_sync", prepare=_prepare_sync)
    assert first.startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    for url in (first, second):
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            await conn.execute("INSERT INTO enterprise VALUES (2, 'Test co-op')")
            assert await conn.fetchval("SELECT count(*) FROM enterprise") == 2
        finally:
            await conn.close()
    # Clones are independent: a third clone still has only the seed row.
    third = await pg_database_factory(template="smoke_async")
    conn = await asyncpg.connect(_asyncpg_dsn(third))
    try:
        assert await conn.fetchval("SELECT count(*) FROM enterprise") == 1
    finally:
        await conn.close()


async def test_postgres_survives_crash_and_restart(
    pg_server: PostgresServer, pg_database: str
) -> None:
    dsn = _asyncpg_dsn(pg_database)
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE t (v int); INSERT INTO t VALUES (42)")
    await conn.close()
    pid_before = pg_server.pid
    await asyncio.to_thread(pg_server.kill, 9)  # SIGKILL every postgres process
    assert pg_server.pid is None
    await asyncio.to_thread(pg_server.start)
    assert pg_server.pid not in (None, pid_before)
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT v FROM t") == 42
    finally:
        await conn.close()


async def _consume(bootstrap: str, topic: str, count: int, group: str | None) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        got: list[Any] = []
        async with asyncio.timeout(30):
            async for msg in consumer:
                got.append(msg)
                if len(got) == count:
                    break
        if group:
            await consumer.commit()
        return got
    finally:
        await consumer.stop()


async def test_kafka_produce_consume(
    kafka_broker: KafkaBroker, topic_factory: TopicFactory
) -> None:
    topic = await topic_factory("smoke", partitions=3)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_broker.bootstrap, enable_idempotence=True, acks="all"
    )
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, f"event-{i}".encode(), key=b"enterprise-1")
        print(f"\nKafka broker version: {kafka_broker.version} at {kafka_broker.bootstrap}")
        print("API versions aiokafka negotiated with it:")
        for name, version in negotiated_api_versions(producer.client).items():
            print(f"  {name:>28}: {version}")
    finally:
        await producer.stop()
    got = await _consume(kafka_broker.bootstrap, topic, 5, group=f"g-{uuid.uuid4().hex[:6]}")
    # One key → one partition → producer order preserved.
    assert [m.value for m in got] == [f"event-{i}".encode() for i in range(5)]
    assert len({m.partition for m in got}) == 1


async def test_kafka_survives_kill_and_restart(
    kafka_broker: KafkaBroker, topic_factory: TopicFactory
) -> None:
    topic = await topic_factory("durable", partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(10):
            await producer.send_and_wait(topic, b"m%d" % i)
    finally:
        await producer.stop()
    port = kafka_broker.port
    await asyncio.to_thread(kafka_broker.kill)  # SIGKILL: no controlled shutdown
    assert kafka_broker.pid is None
    await asyncio.to_thread(kafka_broker.start)
    assert kafka_broker.port == port
    got = await _consume(kafka_broker.bootstrap, topic, 10, group=None)
    assert [m.value for m in got] == [b"m%d" % i for i in range(10)]
