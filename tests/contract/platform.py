"""The embedded platform in-process: the gateway over every service, for contract tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.platform.embedded import EmbeddedApp, create_app
from streetlevel.testing.lifespan import LifespanManager

#: The contract platform's public base URL: every absolute URL it emits starts with it.
BASE_URL = "http://platform.test"
#: Quotas far above what a fuzz run sends: a 429 would hide the answer under test.
UNLIMITED = "1000000/minute"


@dataclass
class Platform:
    """A started embedded platform and an HTTP client on it."""

    app: EmbeddedApp
    http: httpx2.AsyncClient

    async def bearer(self, kind: Any, **extra: Any) -> dict[str, str]:
        """A bearer header for a new client of ``kind``, through ``POST /oauth/token``."""
        client, secret = await self.app.gateway.clients.create(kind=kind, name=kind, **extra)
        response = await self.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client.id, secret)
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def council(self) -> dict[str, str]:
        councils = {c["org_id"] for c in await self.app.gateway.clients.councils()}
        if "GB-LAE-BPL" not in councils:
            await self.app.gateway.clients.add_council(
                org_id="GB-LAE-BPL", name="Blackpool Council", area="E06000009"
            )
        return await self.bearer("council", org="GB-LAE-BPL")


def settings(data_dir: Path) -> GatewaySettings:
    return GatewaySettings(
        data_dir=data_dir,
        mode="embedded",
        server_key="contract-test-server-key",
        key_publish_lead_s=0,
        log_json=False,
        log_level="WARNING",
        rate_limit_anonymous=UNLIMITED,
        rate_limit_client=UNLIMITED,
        rate_limit_oauth=UNLIMITED,
        public_base_url=BASE_URL,
    )


@asynccontextmanager
async def embedded_platform(data_dir: Path) -> AsyncIterator[Platform]:
    """The gateway with every service mounted in-process on SQLite under ``data_dir``."""
    app = create_app(settings(data_dir))
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=30):
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.9", 4711))
        async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield Platform(app, http)


async def merged_openapi(data_dir: Path) -> dict[str, Any]:
    """The merged OpenAPI document the embedded gateway serves at ``/openapi.json``."""
    async with embedded_platform(data_dir) as platform:
        response = await platform.http.get("/openapi.json")
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document
