"""Embedded-mode fixtures: SQLite in a temp dir, the in-process bus, signed test tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
import pytest_asyncio
from fastapi import FastAPI

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.events import Envelope
from streetlevel.outcomes.app import create_app
from streetlevel.outcomes.migrate import upgrade
from streetlevel.outcomes.settings import OutcomesSettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory

from ..support import BLACKPOOL_AREAS, THEMES, message, theme_event


@dataclass
class Embedded:
    app: FastAPI
    client: httpx2.AsyncClient
    bus: MemoryBus
    clock: FrozenClock
    tokens: TokenFactory

    async def deliver(self, topic: str, envelope: Envelope) -> None:
        """Hand another service's event to this service's consumers, as the bus would."""
        await self.bus.publish([message(topic, envelope.aggregate_id, envelope)])


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest_asyncio.fixture
async def embedded(tmp_path: Path, tokens: TokenFactory) -> AsyncIterator[Embedded]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outcomes.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = OutcomesSettings(
        database_url=url,
        areas_file=str(BLACKPOOL_AREAS),
        counties_file=None,
        outbox_poll_interval_s=0.05,
    )
    bus = MemoryBus()
    clock = FrozenClock(datetime(2026, 7, 1, 12, tzinfo=UTC))
    app = create_app(settings, memory_bus=bus, key_source=tokens.key_source(), clock=clock)
    async with LifespanManager(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            embedded = Embedded(app, client, bus, clock, tokens)
            for code in THEMES:
                await embedded.deliver("registry.theme.v1", theme_event(code))
            yield embedded
