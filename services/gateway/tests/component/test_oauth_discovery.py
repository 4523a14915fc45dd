"""RFC 8414 metadata, as a standard OAuth client library (authlib) discovers and uses it."""

from __future__ import annotations

import httpx2
import jwt
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from streetlevel.gateway.identity.clients import ALL_SCOPES

METADATA = "/.well-known/oauth-authorization-server"
# authlib accepts plain http only on loopback names, as RFC 8252 allows.
BASE = "http://localhost"


async def test_the_metadata_is_valid_rfc_8414_and_names_the_tokens_issuer(gateway_factory) -> None:
    async with gateway_factory(public_base_url=BASE) as gw:
        response = await gw.http.get(BASE + METADATA)
        assert response.status_code == 200
        metadata = response.json()
        AuthorizationServerMetadata(metadata).validate()
        assert metadata["issuer"] == gw.gateway.settings.jwt_issuer
        assert metadata["token_endpoint"] == f"{BASE}/oauth/token"
        assert metadata["jwks_uri"] == f"{BASE}/.well-known/jwks.json"
        assert metadata["grant_types_supported"] == ["client_credentials"]
        assert metadata["scopes_supported"] == sorted(ALL_SCOPES)
        assert metadata["response_types_supported"] == ["none"]  # no authorisation endpoint
        assert "authorization_endpoint" not in metadata
        assert metadata["service_documentation"] == f"{BASE}/developers"
        token = await gw.token(*await gw.client("registrar"))
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == metadata["issuer"]


async def test_both_advertised_client_authentication_methods_really_work(gateway_factory) -> None:
    async with gateway_factory() as gw:
        metadata = (await gw.http.get(METADATA)).json()
        assert set(metadata["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
        }
        client_id, secret = await gw.client("app")
        grant = {"grant_type": "client_credentials"}
        basic = await gw.http.post(metadata["token_endpoint"], data=grant, auth=(client_id, secret))
        post = await gw.http.post(
            metadata["token_endpoint"],
            data={**grant, "client_id": client_id, "client_secret": secret},
        )
        assert basic.status_code == post.status_code == 200


async def test_the_metadata_uses_the_public_url_when_one_is_set(gateway_factory) -> None:
    async with gateway_factory(public_base_url="https://api.streetlevel.example") as gw:
        metadata = (await gw.http.get(METADATA)).json()
        AuthorizationServerMetadata(metadata).validate()
        assert metadata["token_endpoint"] == "https://api.streetlevel.example/oauth/token"
        assert metadata["jwks_uri"] == "https://api.streetlevel.example/.well-known/jwks.json"


async def test_authlib_discovers_the_token_endpoint_and_its_token_opens_a_protected_route(
    gateway_factory,
) -> None:
    async with gateway_factory() as gw:
        client_id, secret = await gw.client("registrar")
        transport = httpx2.ASGITransport(app=gw.app, client=("203.0.113.8", 4711))
        for method in ("client_secret_basic", "client_secret_post"):
            async with AsyncOAuth2Client(
                client_id=client_id,
                client_secret=secret,
                token_endpoint_auth_method=method,
                transport=transport,
                base_url=BASE,
            ) as oauth:
                discovered = (await oauth.request("GET", METADATA, withhold_token=True)).json()
                metadata = AuthorizationServerMetadata(discovered)
                metadata.validate()
                assert method in metadata["token_endpoint_auth_methods_supported"]
                refused = await oauth.request("GET", "/v1/admin/clients", withhold_token=True)
                assert refused.status_code == 401
                token = await oauth.fetch_token(
                    metadata["token_endpoint"], grant_type="client_credentials"
                )
                assert token["token_type"] == "Bearer"
                assert set(token["scope"].split()) <= set(metadata["scopes_supported"])
                listed = await oauth.get("/v1/admin/clients")
                assert listed.status_code == 200, listed.text
                assert client_id in {c["client_id"] for c in listed.json()["items"]}
