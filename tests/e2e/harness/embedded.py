"""The Blackpool story opening on the embedded platform: one process, SQLite, in-process bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager

from .actors import Cast, cast_from_admin
from .api import Actor, Api
from .blackpool import Secrets, register_enterprises
from .platform import GEOGRAPHY


@dataclass
class EmbeddedStory:
    """The running app, a client over it, the operator and the registered, verified cast."""

    app: Any
    api: Api
    admin: Actor
    cast: Cast
    secrets: Secrets
    records: dict[str, dict[str, Any]]


@asynccontextmanager
async def embedded_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, client_ip: str
) -> AsyncIterator[EmbeddedStory]:
    """The platform with Blackpool's enterprises registered and verified, tenders open at once."""
    monkeypatch.setenv("STREETLEVEL_AREAS_FILE", str(GEOGRAPHY / "areas.csv"))
    monkeypatch.setenv("STREETLEVEL_COUNTIES_FILE", str(GEOGRAPHY / "lads_england_2024.csv"))
    monkeypatch.setenv("COMMISSIONING_BELOW_THRESHOLD_TENDERING_DAYS", "0")
    monkeypatch.setenv("COMMISSIONING_SCHEDULER_INTERVAL_S", "0.5")
    settings = GatewaySettings(
        data_dir=tmp_path,
        mode="embedded",
        server_key="embedded-e2e-key",
        key_publish_lead_s=0,
        public_base_url="http://embedded.test",
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=30):
        transport = httpx2.ASGITransport(app=app, client=(client_ip, 5000))
        api = Api.over("http://embedded.test", transport=transport)
        try:
            client, secret = await app.gateway.clients.create(kind="registrar", name="operator")
            admin = Actor("registrar", "registrar", client.id, secret)
            cast = await cast_from_admin(api, admin, known_councils=set())
            secrets = Secrets()
            records = await register_enterprises(api, cast, secrets)
            for record in records.values():
                await api.post(
                    f"/v1/enterprises/{record['id']}/verification",
                    admin,
                    json={"decision": "verified"},
                    expect=200,
                )
            yield EmbeddedStory(app, api, admin, cast, secrets, records)
        finally:
            await api.close()
