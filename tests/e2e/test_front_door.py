"""The front door, the offline docs and RFC 8414 discovery on the native stack (real HTTP)."""

from __future__ import annotations

import re
from typing import Any

import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from streetlevel_e2e_harness.api import Api

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_the_front_door_answers_people_and_programs_on_the_stack(gateway: Api) -> None:
    for path in ("/", "/developers"):
        page = await gateway.http.get(path, headers={"Accept": BROWSER})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "Open Government Licence v3.0" in page.text
        index = await gateway.http.get(path, headers={"Accept": "application/json"})
        assert index.headers["content-type"] == "application/json"
    links: dict[str, dict[str, str]] = index.json()["links"]
    base = str(gateway.http.base_url).rstrip("/")
    for key, link in links.items():
        assert link["href"].startswith(base + "/"), link
        if key == "token":
            continue  # POST only: used below through discovery
        response = await gateway.http.get(link["href"], headers={"Accept": link["type"]})
        assert response.status_code == 200, (key, response.text[:300])
        assert response.headers["content-type"].startswith(link["type"]), key


async def test_the_docs_pages_and_every_asset_they_load_are_served_by_the_gateway(
    gateway: Api,
) -> None:
    for path in ("/docs", "/redoc"):
        page = await gateway.http.get(path)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
        assert assets, path
        for asset in assets:
            served = await gateway.http.get(asset)
            assert served.status_code == 200, asset
            assert "immutable" in served.headers["cache-control"]


async def test_authlib_discovers_the_stacks_token_endpoint_and_its_token_works(
    platform: Any, gateway: Api
) -> None:
    base = str(gateway.http.base_url).rstrip("/")
    made = platform.cli("clients", "create", "--kind", "registrar", "--name", "discovery")
    async with AsyncOAuth2Client(
        client_id=made["client_id"], client_secret=made["client_secret"], base_url=base
    ) as oauth:
        response = await oauth.request(
            "GET", "/.well-known/oauth-authorization-server", withhold_token=True
        )
        metadata = AuthorizationServerMetadata(response.json())
        metadata.validate()
        assert metadata["token_endpoint"] == f"{base}/oauth/token"
        token = await oauth.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"] == "Bearer"
        clients = await oauth.get("/v1/admin/clients")
        assert clients.status_code == 200, clients.text
        assert made["client_id"] in {c["client_id"] for c in clients.json()["items"]}
    keys = (await gateway.http.get(metadata["jwks_uri"])).json()["keys"]
    assert keys
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert claims["iss"] == metadata["issuer"]
