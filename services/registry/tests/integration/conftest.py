"""Integration fixtures: the registry on a fresh migrated PostgreSQL database and real Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest_asyncio

from streetlevel.common.clock import FrozenClock
from streetlevel.registry.app import create_app
from streetlevel.registry.migrate import upgrade
from streetlevel.registry.settings import RegistrySettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory


@pytest_asyncio.fixture
async def make_api(
    pg_database_factory: Any,
    kafka_bootstrap: str,
    topic_prefix: str,
    tokens: TokenFactory,
    clock: FrozenClock,
    geography: Path,
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_api(**settings)``: the registry with bus=kafka on its own database."""
    managers: list[LifespanManager] = []
    clients: list[httpx2.AsyncClient] = []

    async def make(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "database_url": await pg_database_factory("registry", prepare=upgrade),
            "bus": "kafka",
            "kafka_bootstrap_servers": kafka_bootstrap,
            "kafka_topic_prefix": topic_prefix,
            "kafka_topic_partitions": 1,
            "areas_file": geography / "areas_blackpool.csv",
            "outbox_poll_interval_s": 0.05,
            "log_json": False,
        }
        values.update(overrides)
        app = create_app(RegistrySettings(**values), key_source=tokens.key_source(), clock=clock)
        manager = LifespanManager(app, startup_timeout=120, shutdown_timeout=90)
        await manager.__aenter__()
        managers.append(manager)
        client = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=manager.app), base_url="http://test"
        )
        clients.append(client)
        return SimpleNamespace(
            client=client, app=app, tokens=tokens, clock=clock, topic_prefix=topic_prefix
        )

    yield make
    for client in clients:
        await client.aclose()
    for manager in reversed(managers):
        await manager.__aexit__(None, None, None)
