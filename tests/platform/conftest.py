"""Platform test fixtures: the embedded platform started in-process, its clients and tokens."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.gateway.wiring import Gateway
from streetlevel.platform.embedded import EmbeddedApp, create_app
from streetlevel.testing.lifespan import LifespanManager


def platform_settings(tmp_path: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "mode": "embedded",
        "server_key": "test-server-key",
        "key_publish_lead_s": 0,
        "log_json": False,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@dataclass
class Running:
    app: EmbeddedApp
    http: httpx2.AsyncClient

    @property
    def gateway(self) -> Gateway:
        return self.app.gateway

    async def client(self, kind: Any = "registrar", **extra: Any) -> tuple[str, str]:
        client, secret = await self.gateway.clients.create(kind=kind, name=f"{kind}", **extra)
        return client.id, secret

    async def token(self, client_id: str, secret: str) -> str:
        response = await self.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def bearer(self, kind: Any = "registrar", **extra: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + await self.token(*await self.client(kind, **extra))}


@asynccontextmanager
async def running(tmp_path: Path, **overrides: Any) -> AsyncIterator[Running]:
    """The embedded platform, every service mounted, started and reachable in-process."""
    app = create_app(platform_settings(tmp_path, **overrides))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.7", 4711))
        async with httpx2.AsyncClient(transport=transport, base_url="http://gw.test") as http:
            yield Running(app, http)


@pytest.fixture
def platform_factory(tmp_path: Path) -> Callable[..., Any]:
    def make(**overrides: Any) -> Any:
        return running(tmp_path, **overrides)

    return make


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., GatewaySettings]:
    """Embedded settings under the test's own data dir."""

    def make(**overrides: Any) -> GatewaySettings:
        return platform_settings(tmp_path, **overrides)

    return make


def claims_for(gateway: Gateway, **changes: Any) -> dict[str, Any]:
    """Claims as the gateway would sign them, with ``changes`` applied."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": gateway.settings.jwt_issuer,
        "aud": gateway.settings.jwt_audience,
        "sub": "client-x",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "scope": "admin",
        "kind": "registrar",
    }
    claims.update(changes)
    return claims


@pytest.fixture
def forgery() -> Any:
    """Helpers that build tokens a service must refuse."""
    from types import SimpleNamespace

    return SimpleNamespace(claims_for=claims_for)
