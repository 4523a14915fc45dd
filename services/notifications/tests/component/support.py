"""Test helpers: the running service, a loopback receiver, other services' events on the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.events import TYPE_PREFIX, Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.outbox import OutboxMessage
from streetlevel.notifications.app import create_app
from streetlevel.notifications.migrate import upgrade
from streetlevel.notifications.service.context import Services
from streetlevel.notifications.service.worker import DeliveryWorker
from streetlevel.notifications.settings import NotificationsSettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory

GEOGRAPHY = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "geography"
BLACKPOOL_AREAS = GEOGRAPHY / "areas_blackpool.csv"
BUYER = "GB-LAE-BPL"
BLACKPOOL = "E06000009"
ANCHORSHOLME, BISPHAM = "E05015186", "E05015187"
LSOA_A = "E01012663"  # in Anchorsholme


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP/1.1 endpoint on 127.0.0.1 answering ``status``; it records every request."""

    status: int = 204
    answer: bytes = b""
    delay_s: float = 0.0
    requests: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks"

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            headers: dict[str, str] = {}
            for line in head.decode("latin-1").split("\r\n")[1:]:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(headers, body))
            self.arrived.set()
            if self.delay_s:
                await asyncio.sleep(self.delay_s)  # a slow receiver, not a test waiting
            reason = b"OK" if self.status < 400 else b"Error"
            writer.write(
                b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                % (self.status, reason, len(self.answer))
                + self.answer
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def envelope(
    short_type: str,
    subject: str,
    data: dict[str, Any],
    *,
    sequence: int = 1,
    audience: str | None = None,
) -> Envelope:
    extra = {"audience": audience} if audience else {}
    return Envelope(
        id=str(new_id()),
        source="/streetlevel/" + short_type.split(".")[0],
        type=TYPE_PREFIX + short_type,
        subject=subject,
        time=datetime(2026, 11, 23, 12, tzinfo=UTC),
        sequence=str(sequence),
        data=data,
        **extra,
    )


def message(topic: str, event: Envelope) -> OutboxMessage:
    """An outbox message as another service's relay would hand it to the bus."""
    return OutboxMessage(
        id=0,
        topic=topic,
        key=event.aggregate_id,
        event_id=event.id,
        event_type=event.type,
        value=event.to_json(),
    )


def commission_published(areas: list[str], themes: list[str] | None = None) -> Envelope:
    commission_id = str(new_id())
    return envelope(
        "commissioning.commission.published.v1",
        f"commission/{commission_id}",
        {
            "commission": {
                "id": commission_id,
                "title": "Green spaces",
                "buyer": {"id": BUYER},
                "themes": themes or ["environment"],
                "lots": [{"id": str(new_id()), "areas": areas}],
            }
        },
    )


def verified(secret: str, received: Received, now: datetime | None = None) -> dict[str, Any]:
    """What a receiver does: verify with ``standardwebhooks``, then read the CloudEvent.

    ``now`` is the receiver's clock (the tests' frozen one, when they move time on by days).
    """
    from unittest import mock

    from standardwebhooks import webhooks

    if now is None:
        return dict(webhooks.Webhook(secret).verify(received.body, received.headers))
    fixed = now

    class ReceiverClock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> ReceiverClock:  # type: ignore[override]
            return cls.fromtimestamp(fixed.timestamp(), tz)

    with mock.patch.object(webhooks, "datetime", ReceiverClock):
        return dict(webhooks.Webhook(secret).verify(received.body, received.headers))


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


@asynccontextmanager
async def running(url: str, tokens: TokenFactory, **overrides: Any) -> AsyncIterator[Embedded]:
    """The service on ``url`` (migrated first), the in-process bus and a frozen clock."""
    await asyncio.to_thread(upgrade, url)
    values: dict[str, Any] = {
        "database_url": url,
        "areas_file": str(BLACKPOOL_AREAS),
        "counties_file": None,
        "outbox_poll_interval_s": 0.05,
        "test_loopback_targets": True,
        "delivery_worker": False,  # tests run delivery rounds themselves, on the frozen clock
    }
    settings = NotificationsSettings(**(values | overrides))
    bus = MemoryBus()
    # Near the real time: receivers verify the signature's timestamp against their own clock.
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    app = create_app(settings, memory_bus=bus, key_source=tokens.key_source(), clock=clock)
    async with LifespanManager(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Embedded(app, client, bus, clock, tokens)
