"""One gateway suite, run against the embedded platform and against the native stack."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from streetlevel_e2e_harness.api import Actor, Api, claims, eventually

from streetlevel.common.clock import SystemClock
from streetlevel.common.db import create_engine
from streetlevel.gateway.identity.keys import KeyRing
from streetlevel.gateway.settings import GatewaySettings
from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager
from tests.contract.platform import merged_openapi

SERVICE_PATHS = (
    "/v1/enterprises",
    "/v1/areas",
    "/v1/commissions",
    "/v1/contracts",
    "/v1/indicators",
    "/v1/ocds/releases",
)


@dataclass
class Surface:
    mode: str
    api: Api
    admin: Actor
    ring: KeyRing

    async def new_client(self, kind: str = "app", **extra: Any) -> Actor:
        body = {"kind": kind, "name": f"{self.mode} {kind}", **extra}
        made = (await self.api.post("/v1/admin/clients", self.admin, json=body, expect=201)).json()
        return Actor(made["name"], kind, made["client_id"], made["client_secret"])


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["embedded", "stack"])
async def surface(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, platform: Any
) -> AsyncIterator[Surface]:
    # The stack is the session's, started once for e2e, security and faults alike.
    if request.param == "embedded":
        data_dir: Path = tmp_path_factory.mktemp("embedded-gateway")
        settings = GatewaySettings(
            data_dir=data_dir, mode="embedded", server_key="modes-key", key_publish_lead_s=0
        )
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=120):
            transport = httpx2.ASGITransport(app=app, client=("198.51.100.9", 5000))
            api = Api.over("http://embedded.test", transport=transport)
            client, secret = await app.gateway.clients.create(kind="registrar", name="operator")
            yield Surface(
                "embedded", api, Actor("operator", "registrar", client.id, secret), app.gateway.keys
            )
            await api.close()
        return
    made = platform.cli("clients", "create", "--kind", "registrar", "--name", "modes operator")
    engine = create_engine(platform.database_url("gateway"))
    ring = KeyRing(
        engine,
        server_key=platform.server_key.encode(),
        clock=SystemClock(),
        token_lifetime_s=300,
        publish_lead_s=0,
        cache_s=0,
    )
    api = Api.over(platform.gateway_url)
    yield Surface(
        "stack", api, Actor("operator", "registrar", made["client_id"], made["client_secret"]), ring
    )
    await api.close()
    await engine.dispose()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def forgeries(ring: KeyRing, body: dict[str, Any]) -> dict[str, str]:
    now = int(time.time())
    key = await ring.active()
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_input = (
        _b64(json.dumps({"alg": "HS256", "kid": key.kid}).encode())
        + "."
        + _b64(json.dumps(body).encode())
    )
    valid = await ring.sign(body)
    head, _payload, signature = valid.split(".")
    return {
        "alg=none": _b64(json.dumps({"alg": "none"}).encode())
        + "."
        + _b64(json.dumps(body).encode())
        + ".",
        "HS256 keyed with the public key": hs_input
        + "."
        + _b64(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()),
        "wrong audience": await ring.sign({**body, "aud": "someone-else"}),
        "wrong issuer": await ring.sign({**body, "iss": "https://evil.example"}),
        "expired": await ring.sign({**body, "iat": now - 900, "exp": now - 600}),
        "not yet valid": await ring.sign({**body, "nbf": now + 600}),
        "tampered": f"{head}.{_b64(json.dumps({**body, 'scope': 'admin'}).encode())}.{signature}",
        "unknown kid": jwt.encode(
            body, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "unknown"}
        ),
    }


async def test_a_client_gets_a_token_by_basic_or_form_that_the_published_jwks_verifies(
    surface: Surface,
) -> None:
    app = await surface.new_client()
    by_form = await surface.api.login(app)
    by_basic = await surface.api.http.post(
        "/oauth/token", auth=(app.client_id, app.secret), data={"grant_type": "client_credentials"}
    )
    assert by_basic.status_code == 200
    jwks = (await surface.api.get("/.well-known/jwks.json", expect=200)).json()
    header = jwt.get_unverified_header(by_form)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    verified = jwt.decode(
        by_form, jwt.PyJWK(key), algorithms=[header["alg"]], audience=claims(by_form)["aud"]
    )
    assert verified["sub"] == app.client_id
    basic = by_basic.json()
    assert basic["token_type"] == "Bearer"
    lifetime = claims(basic["access_token"])
    assert lifetime["exp"] - lifetime["iat"] == basic["expires_in"]  # as configured


async def test_forged_and_stale_tokens_are_refused_with_401(surface: Surface) -> None:
    operator_token = await surface.api.login(surface.admin)
    body = claims(operator_token)
    for name, token in (await forgeries(surface.ring, body)).items():
        headers = {"Authorization": f"Bearer {token}"}
        for method, path in (("GET", "/v1/admin/clients"), ("POST", "/v1/enterprises")):
            response = await surface.api.http.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (surface.mode, name, path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_revoked_client_gets_no_new_token(surface: Surface) -> None:
    app = await surface.new_client()
    await surface.api.login(app)
    await surface.api.call(
        "DELETE", f"/v1/admin/clients/{app.client_id}", surface.admin, expect=204
    )
    refused = await surface.api.http.post(
        "/oauth/token", auth=(app.client_id, app.secret), data={"grant_type": "client_credentials"}
    )
    assert refused.status_code == 401


async def test_a_client_over_its_quota_gets_429_with_retry_after(surface: Surface) -> None:
    app = await surface.new_client(rate_limit="3/minute")
    token = await surface.api.login(app)
    statuses = []
    for _ in range(5):
        response = await surface.api.http.get(
            "/v1/enterprises", headers={"Authorization": f"Bearer {token}"}
        )
        statuses.append(response.status_code)
        assert "RateLimit-Limit" in response.headers
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0


async def test_every_service_answers_through_the_gateway_with_the_edge_headers(
    surface: Surface,
) -> None:
    for path in SERVICE_PATHS:
        response = await surface.api.http.get(path, headers={"X-Request-ID": "modes-1"})
        assert response.status_code == 200, (surface.mode, path, response.text)
        assert response.headers["x-request-id"] == "modes-1"
        assert "Authorization" in response.headers["vary"]
        assert response.headers["access-control-allow-origin"] == "*"
    document = (await surface.api.get("/openapi.json", expect=200)).json()
    for path in SERVICE_PATHS:
        assert path in document["paths"]


async def test_the_merged_document_is_the_same_in_both_modes(
    surface: Surface, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Distributed, the gateway fetches each service's document over HTTP; embedded, in process.
    served = (await surface.api.get("/openapi.json", expect=200)).json()
    reference = await merged_openapi(tmp_path_factory.mktemp("reference-openapi"))
    assert served["paths"].keys() == reference["paths"].keys(), surface.mode
    assert served == reference, surface.mode


async def test_the_change_feed_pages_gaplessly_and_resumes_from_any_cursor(
    surface: Surface,
) -> None:
    async def enough() -> list[dict[str, Any]] | None:
        items = (await surface.api.get("/v1/events", params={"limit": 200})).json()["items"]
        return items if len(items) >= 3 else None

    everything = await eventually(enough, within=60, what="public events in the feed")
    positions = [int(item["position"]) for item in everything]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    for cursor in positions[:3]:
        page = (await surface.api.get("/v1/events", params={"cursor": cursor, "limit": 2})).json()
        assert [i["position"] for i in page["items"]] == [str(cursor + 1), str(cursor + 2)]
