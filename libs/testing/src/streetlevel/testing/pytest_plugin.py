"""pytest plugin: real PostgreSQL/Kafka session fixtures, template databases and unique topics."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import inspect
import itertools
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from ._proc import InfraError, port_open, wait_until
from .infra import (
    KafkaBroker,
    PostgresServer,
    attach_kafka,
    attach_postgres,
    load_env,
    start_kafka,
    start_postgres,
)
from .kafka import broker_ready

Prepare = Callable[[str], Awaitable[None]] | Callable[[str], None]

# Names created on a shared server carry this tag so concurrent sessions never collide.
SESSION_TAG = uuid.uuid4().hex[:8]
PG_DSN_ENV = "STREETLEVEL_TEST_PG_DSN"
KAFKA_ENV = "STREETLEVEL_TEST_KAFKA_BOOTSTRAP"


def _slug(text: str, allowed: str = r"a-z0-9_") -> str:
    return re.sub(rf"[^{allowed}]+", "_", text.lower()).strip("_")


def _infra_env() -> dict[str, str]:
    """The infra.env of `scripts/infra.py up`, if this session runs against it."""
    state_dir = os.environ.get("STREETLEVEL_TEST_INFRA_DIR")
    return load_env(Path(state_dir)) if state_dir else {}


def _stop_at_exit(server: PostgresServer | KafkaBroker) -> None:
    # Finalizers do not run if pytest dies on an internal error; never leave servers behind.
    atexit.register(server.destroy)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL: $STREETLEVEL_TEST_PG_DSN if set, else a private one."""
    dsn = os.environ.get(PG_DSN_ENV)
    if dsn:
        env = _infra_env()
        server = (
            attach_postgres(env) if env.get(PG_DSN_ENV) == dsn else PostgresServer.external(dsn)
        )
        if not wait_until(lambda: port_open(server.port, server.host), 10.0):
            pytest.fail(f"{PG_DSN_ENV}={dsn} is not reachable", pytrace=False)
        yield server
        return
    try:
        server = start_postgres()
    except InfraError as exc:
        pytest.fail(f"could not start the test PostgreSQL: {exc}", pytrace=False)
    _stop_at_exit(server)
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[KafkaBroker]:
    """The session's Kafka broker: $STREETLEVEL_TEST_KAFKA_BOOTSTRAP if set, else a private one."""
    bootstrap = os.environ.get(KAFKA_ENV)
    if bootstrap:
        env = _infra_env()
        if env.get(KAFKA_ENV) == bootstrap:
            broker = attach_kafka(env)
        else:
            version = os.environ.get("STREETLEVEL_TEST_KAFKA_VERSION", "unknown")
            broker = KafkaBroker.external(bootstrap, version)
        if not wait_until(lambda: broker_ready(broker.host, broker.port), 15.0, 0.2):
            pytest.fail(f"{KAFKA_ENV}={bootstrap} does not answer Kafka metadata", pytrace=False)
        yield broker
        return
    try:
        broker = start_kafka()
    except InfraError as exc:
        pytest.fail(f"could not start the test Kafka broker: {exc}", pytrace=False)
    _stop_at_exit(broker)
    try:
        yield broker
    finally:
        broker.destroy()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    """host:port of the session's Kafka broker."""
    return kafka_broker.bootstrap


async def _admin(server: PostgresServer) -> Any:
    import asyncpg

    return await asyncpg.connect(server.dsn, timeout=10)


async def _run_prepare(prepare: Prepare, url: str) -> None:
    if inspect.iscoroutinefunction(prepare):
        await prepare(url)
        return
    # Sync preparers (e.g. Alembic's command.upgrade) may call asyncio.run: keep them off our loop.
    result = await asyncio.to_thread(prepare, url)
    if inspect.isawaitable(result):
        await result


class PgTemplates:
    """Session cache of template databases: prepared once, cloned per test."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._names: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def database_name(self, name: str) -> str:
        """Registered template's database name (KeyError if never prepared)."""
        return self._names[name]

    async def __call__(self, name: str, prepare: Prepare) -> str:
        """Create tmpl_<name>_<session> once (running prepare(url) on it); return its name."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if name in self._names:
                return self._names[name]
            dbname = f"tmpl_{_slug(name)[:40]}_{SESSION_TAG}"
            conn = await _admin(self.server)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{dbname}"')
                await _run_prepare(prepare, self.server.url(dbname))
                # Cloning needs the template idle: close what prepare left open, lock it.
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = $1 AND pid <> pg_backend_pid()",
                    dbname,
                )
                await conn.execute(
                    f'ALTER DATABASE "{dbname}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'
                )
            finally:
                await conn.close()
            self._names[name] = dbname
            return dbname

    async def drop_all(self) -> None:
        """Drop every template this session made (best effort)."""
        if not self._names:
            return
        with contextlib.suppress(Exception):
            conn = await _admin(self.server)
            try:
                for dbname in self._names.values():
                    with contextlib.suppress(Exception):
                        await conn.execute(f'ALTER DATABASE "{dbname}" WITH IS_TEMPLATE false')
                        await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            finally:
                await conn.close()
        self._names.clear()


class PgDatabaseFactory:
    """Per-test databases, cloned from a session template or empty; dropped after the test."""

    def __init__(self, templates: PgTemplates) -> None:
        self.templates = templates
        self.server = templates.server
        self.created: list[str] = []

    async def __call__(self, template: str | None = None, *, prepare: Prepare | None = None) -> str:
        """Create t_<uuid> (from template `template` if given); return its SQLAlchemy URL."""
        source = "template0"
        if prepare is not None:
            source = await self.templates(template or "default", prepare)
        elif template is not None:
            try:
                source = self.templates.database_name(template)
            except KeyError:
                raise InfraError(
                    f"template {template!r} was never prepared: call "
                    f"`await pg_template({template!r}, prepare)` or pass prepare="
                ) from None
        dbname = f"t_{uuid.uuid4().hex[:20]}"
        conn = await _admin(self.server)
        try:
            await conn.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{source}"')
        finally:
            await conn.close()
        self.created.append(dbname)
        return self.server.url(dbname)

    async def drop_all(self) -> None:
        """Drop this test's databases (best effort: a fault test may have left PG down)."""
        if not self.created:
            return
        with contextlib.suppress(Exception):
            conn = await _admin(self.server)
            try:
                for dbname in self.created:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            finally:
                await conn.close()
        self.created.clear()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pg_template(pg_server: PostgresServer) -> AsyncIterator[PgTemplates]:
    """`await pg_template(name, prepare)` → template database name, prepared once per session."""
    templates = PgTemplates(pg_server)
    yield templates
    await templates.drop_all()


@pytest_asyncio.fixture(loop_scope="session")
async def pg_database_factory(pg_template: PgTemplates) -> AsyncIterator[PgDatabaseFactory]:
    """`await pg_database_factory(template=None, prepare=None)` → postgresql+asyncpg:// URL."""
    factory = PgDatabaseFactory(pg_template)
    yield factory
    await factory.drop_all()


@pytest_asyncio.fixture(loop_scope="session")
async def pg_database(pg_database_factory: PgDatabaseFactory) -> str:
    """URL (postgresql+asyncpg://) of a fresh empty database for this test."""
    return await pg_database_factory()


@pytest.fixture
def topic_prefix() -> str:
    """A per-test topic name prefix like 't1a2b3c4d.'."""
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture
def unique_topic(topic_prefix: str, request: pytest.FixtureRequest) -> str:
    """A unique (not yet created) topic name: <prefix><test name>."""
    return f"{topic_prefix}{_slug(request.node.name, r'a-z0-9_-')[:100] or 'topic'}"


class TopicFactory:
    """Creates topics on the session broker and deletes them after the test."""

    def __init__(self, broker: KafkaBroker, prefix: str) -> None:
        self.broker = broker
        self.prefix = prefix
        self.created: list[str] = []

    async def __call__(
        self,
        name: str | None = None,
        *,
        partitions: int = 3,
        replication_factor: int = 1,
        configs: dict[str, str] | None = None,
    ) -> str:
        """Create a topic (prefixed unless it already is) and wait for its leaders."""
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        name = name or f"topic{len(self.created)}"
        if not name.startswith(self.prefix):
            name = self.prefix + name
        admin = AIOKafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        await admin.start()
        try:
            topic = NewTopic(name, partitions, replication_factor, topic_configs=configs or {})
            resp = (await admin.create_topics([topic])).to_object()
            for err in resp["topic_errors"]:
                if err["error_code"] not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS
                    raise InfraError(f"create topic {name}: {err}")
            self.created.append(name)
            for _ in range(300):
                if await self._has_leaders(admin, name, partitions):
                    break
                await asyncio.sleep(0.05)
            else:
                raise InfraError(f"topic {name} has no leaders after 15 s")
        finally:
            await admin.close()
        return name

    @staticmethod
    async def _has_leaders(admin: Any, name: str, partitions: int) -> bool:
        topics = await admin.describe_topics([name])
        parts = [p for t in topics if t["error_code"] == 0 for p in t["partitions"]]
        return len(parts) == partitions and all(p["leader"] >= 0 for p in parts)

    async def delete_all(self) -> None:
        """Delete this test's topics (best effort: a fault test may have left Kafka down)."""
        if not self.created:
            return
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await admin.start()
                await admin.delete_topics(self.created)
        with contextlib.suppress(Exception):
            await admin.close()
        self.created.clear()


@pytest_asyncio.fixture(loop_scope="session")
async def topic_factory(
    kafka_broker: KafkaBroker, topic_prefix: str
) -> AsyncIterator[TopicFactory]:
    """`await topic_factory(name=None, partitions=3, replication_factor=1, configs=None)` → name."""
    factory = TopicFactory(kafka_broker, topic_prefix)
    yield factory
    await factory.delete_all()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs the session's real PostgreSQL and Kafka (never skipped)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under a tests/integration directory as `integration`."""
    for item in items:
        parts = Path(str(item.path)).parts
        if any(a == "tests" and b == "integration" for a, b in itertools.pairwise(parts)):
            item.add_marker(pytest.mark.integration)
