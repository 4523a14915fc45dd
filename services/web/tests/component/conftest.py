"""The whole platform in-process with the demo, and the site reading it through the gateway."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import pytest_asyncio

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.platform.embedded import EmbeddedApp as GatewayEdge
from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.web.app import create_app as create_site
from streetlevel.web.settings import WebSettings

API = "http://api.test"
SITE = "http://site.test"
#: What a browser sends: HTML first (``GET /`` without it is the API index).
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: An enterprise whose words are attacks: every page must show them as text.
PAYLOAD_NAME = "<script>alert('name')</script><img src=x onerror=alert(1)> Payload CIC"
PAYLOAD_MISSION = '"><svg onload=alert(2)><a href="javascript:alert(3)">mission</a>'
#: A grant programme whose title and criteria are attacks, awarding the payload enterprise.
PAYLOAD_PROGRAMME = "<script>alert('fund')</script><img src=x onerror=alert(4)> Fund"
PAYLOAD_PANEL = "<svg onload=alert(5)>Cllr Payload"
#: The demo's ward grant round (Talbot and Victoria neighbourhood fund).
GRANT_WARD = "E05015204"


class Switch(httpx2.AsyncBaseTransport):
    """In-process transport to the gateway that a test can cut (the gateway is "down")."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx2.ASGITransport(app=app, client=("10.0.0.9", 4000))
        self.down = False
        self.seen: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.seen.append(request)
        if self.down:
            raise httpx2.ConnectError("gateway down", request=request)
        return await self.inner.handle_async_request(request)


@dataclass
class Demo:
    gateway: GatewayEdge
    api: httpx2.AsyncClient
    site_app: Any
    site: httpx2.AsyncClient
    switch: Switch
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    payload_id: str = ""
    dissolved_id: str = ""
    payload_grant_id: str = ""
    commission_ids: list[str] = field(default_factory=list)
    wards: list[str] = field(default_factory=list)


async def _token(api: httpx2.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    response = await api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _register(
    gateway: GatewayEdge,
    api: httpx2.AsyncClient,
    admin: dict[str, str],
    body: dict[str, Any],
    own: dict[str, str] | None = None,
) -> str:
    client, secret = await gateway.gateway.clients.create(kind="enterprise", name=body["name"])
    headers = await _token(api, client.id, secret)
    created = await api.post("/v1/enterprises", json=body, headers=headers)
    created.raise_for_status()
    if own is not None:  # a token issued now names the enterprise it registered
        own.update(await _token(api, client.id, secret))
    enterprise_id: str = created.json()["id"]
    verified = await api.post(
        f"/v1/enterprises/{enterprise_id}/verification",
        json={"decision": "verified", "note": "test"},
        headers=admin,
    )
    verified.raise_for_status()
    return enterprise_id


async def _payload_grant(
    api: httpx2.AsyncClient, data: Path, applicant: dict[str, str], ward: str
) -> str:
    """A programme with a payload title in ``ward``, a panel decision awarding the payload."""
    clients = json.loads((data / "demo-clients.json").read_text())["clients"]
    own = clients["council"]
    council = await _token(api, own["client_id"], own["client_secret"])
    programme = await api.post(
        "/v1/grant-programmes",
        json={
            "title": PAYLOAD_PROGRAMME,
            "description": PAYLOAD_MISSION,
            "areas": [ward],
            "criteria": [PAYLOAD_MISSION],
            "budget": {"amount": "1000.00", "currency": "GBP"},
            "max_grant": {"amount": "500.00", "currency": "GBP"},
            "council_name": "Blackpool Council",
        },
        headers=council,
    )
    programme.raise_for_status()
    form = {
        "programme_id": programme.json()["id"],
        "amount_requested": {"amount": "400.00", "currency": "GBP"},
        "purpose": PAYLOAD_MISSION,
        "people_reached": 10,
    }
    for _ in range(100):  # commissioning hears of the verified enterprise by an event
        applied = await api.post("/v1/grant-applications", json=form, headers=applicant)
        if applied.status_code != 422:
            break
        await asyncio.sleep(0.1)
    applied.raise_for_status()
    decided = await api.post(
        f"/v1/grant-programmes/{programme.json()['id']}/decisions",
        json={
            "method": "panel",
            "panel": [PAYLOAD_PANEL],
            "results": [
                {
                    "application_id": applied.json()["id"],
                    "result": "awarded",
                    "amount": {"amount": "400.00", "currency": "GBP"},
                }
            ],
        },
        headers=council,
    )
    decided.raise_for_status()
    grant_id: str = decided.json()["grants"][0]["id"]
    return grant_id


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    data: Path = tmp_path_factory.mktemp("web-demo")
    settings = GatewaySettings(
        data_dir=data,
        mode="embedded",
        server_key="web-test-server-key",
        key_publish_lead_s=0,
        log_json=False,
        log_level="WARNING",
        rate_limit_anonymous="1000000/minute",
        public_base_url=API,
    )
    gateway = create_app(settings, demo=True)
    async with LifespanManager(gateway, startup_timeout=180, shutdown_timeout=60):
        api_transport = httpx2.ASGITransport(app=gateway)
        async with httpx2.AsyncClient(transport=api_transport, base_url=API) as api:
            client, secret = await gateway.gateway.clients.create(kind="registrar", name="t")
            admin = await _token(api, client.id, secret)
            payload_auth: dict[str, str] = {}
            payload_id = await _register(
                gateway,
                api,
                admin,
                {
                    "name": PAYLOAD_NAME,
                    "legal_form": "cic_limited_by_guarantee",
                    "identifier": {"scheme": "GB-COH", "id": "14239901"},
                    "themes": ["food"],
                    "areas_served": ["E05015186"],
                    "mission": PAYLOAD_MISSION,
                    "asset_lock": True,
                },
                payload_auth,
            )
            payload_grant_id = await _payload_grant(api, data, payload_auth, "E05015186")
            dissolved_id = await _register(
                gateway,
                api,
                admin,
                {
                    "name": "Closed Shop CIC",
                    "legal_form": "cic_limited_by_guarantee",
                    "identifier": {"scheme": "GB-COH", "id": "14239902"},
                    "themes": ["food"],
                    "areas_served": ["E05015187"],
                    "mission": "Closed.",
                },
            )
            gone = await api.post(
                f"/v1/enterprises/{dissolved_id}/dissolution",
                json={"reason": "wound up"},
                headers=admin,
            )
            gone.raise_for_status()
            switch = Switch(gateway)
            site_settings = WebSettings(
                gateway_url=API, public_base_url=API, site_url=SITE, log_json=False
            )
            site_app = create_site(site_settings, transport=switch)
            async with LifespanManager(site_app):
                site_transport = httpx2.ASGITransport(app=site_app)
                async with httpx2.AsyncClient(
                    transport=site_transport, base_url=SITE, headers={"Accept": BROWSER}
                ) as site:
                    enterprises = (await api.get("/v1/enterprises", params={"limit": 200})).json()
                    commissions = (await api.get("/v1/commissions", params={"limit": 200})).json()
                    wards = (
                        await api.get("/v1/areas", params={"type": "ward", "limit": 200})
                    ).json()
                    yield Demo(
                        gateway=gateway,
                        api=api,
                        site_app=site_app,
                        site=site,
                        switch=switch,
                        enterprises=enterprises["items"],
                        payload_id=payload_id,
                        dissolved_id=dissolved_id,
                        payload_grant_id=payload_grant_id,
                        commission_ids=[c["id"] for c in commissions["items"]],
                        wards=[w["code"] for w in wards["items"]],
                    )
