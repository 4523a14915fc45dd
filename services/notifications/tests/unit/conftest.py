"""Embedded-mode fixtures: SQLite in a temp dir, the in-process bus, signed tokens, a receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.events import Envelope
from streetlevel.notifications.app import create_app
from streetlevel.notifications.migrate import upgrade
from streetlevel.notifications.service.context import Services
from streetlevel.notifications.service.worker import DeliveryWorker
from streetlevel.notifications.settings import NotificationsSettings
from streetlevel.testing.tokens import TokenFactory

from .support import BLACKPOOL_AREAS, Receiver, message


@dataclass
class Embedded:
    app: FastAPI
    client: httpx2.AsyncClient
    bus: MemoryBus
    clock: FrozenClock
    tokens: TokenFactory

    @property
    def state(self) -> Services:
        state: Services = self.app.state.services
        return state

    @property
    def worker(self) -> DeliveryWorker:
        return self.state.worker

    async def deliver(self, topic: str, event: Envelope) -> None:
        """Hand another service's event to this service's consumers, as the bus would."""
        await self.bus.publish([message(topic, event)])

    async def subscribe(self, token: str, url: str, **filters: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/webhooks",
            json={"url": url, "filters": filters},
            headers=TokenFactory.bearer(token),
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest_asyncio.fixture
async def embedded(tmp_path: Path, tokens: TokenFactory) -> AsyncIterator[Embedded]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = NotificationsSettings(
        database_url=url,
        areas_file=str(BLACKPOOL_AREAS),
        counties_file=None,
        outbox_poll_interval_s=0.05,
        test_loopback_targets=True,
        delivery_worker=False,  # tests run delivery rounds themselves, on the frozen clock
    )
    bus = MemoryBus()
    # Near the real time: receivers verify the signature's timestamp against their own clock.
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    app = create_app(settings, memory_bus=bus, key_source=tokens.key_source(), clock=clock)
    async with LifespanManager(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Embedded(app, client, bus, clock, tokens)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()
