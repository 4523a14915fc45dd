"""Tokens: the client-credentials grant, claims, revocation and refusing bad JWTs."""

from __future__ import annotations

import asyncio
import base64

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from streetlevel.common.errors import Unauthorized
from streetlevel.gateway.identity.keys import ALG


async def test_a_client_gets_a_signed_token_by_basic_auth_or_form(gateway_factory) -> None:
    async with gateway_factory() as gw:
        client_id, secret = await gw.client()
        basic = await gw.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        form = await gw.http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        assert basic.status_code == form.status_code == 200
        body = basic.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 300
        assert "no-store" in basic.headers["cache-control"]
        header = jwt.get_unverified_header(body["access_token"])
        assert header["alg"] == ALG
        jwks = (await gw.http.get("/.well-known/jwks.json")).json()
        assert header["kid"] in {k["kid"] for k in jwks["keys"]}
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == client_id
        assert claims["exp"] - claims["iat"] == 300
        assert {"iss", "aud", "nbf", "jti", "scope", "kind"} <= claims.keys()


async def test_a_council_token_carries_its_org_and_area(gateway_factory) -> None:
    async with gateway_factory() as gw:
        await gw.gateway.clients.add_council(
            org_id="GB-LAE-BPL", name="Blackpool Council", area="E06000009"
        )
        token = await gw.token(*await gw.client("council", org="GB-LAE-BPL"))
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["org"], claims["area"], claims["kind"]) == (
            "GB-LAE-BPL",
            "E06000009",
            "council",
        )
        assert "commissioning:write" in claims["scope"].split()


async def test_a_wrong_secret_is_an_rfc6749_invalid_client(gateway_factory) -> None:
    async with gateway_factory() as gw:
        client_id, _ = await gw.client()
        response = await gw.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "nope")
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.json()["status"] == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        wrong_grant = await gw.http.post(
            "/oauth/token", data={"grant_type": "password"}, auth=(client_id, "nope")
        )
        assert wrong_grant.json()["error"] == "unsupported_grant_type"


async def test_a_client_cannot_request_scopes_it_does_not_hold(gateway_factory) -> None:
    async with gateway_factory() as gw:
        client_id, secret = await gw.client("app")
        response = await gw.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "admin"},
            auth=(client_id, secret),
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"


async def test_a_revoked_client_gets_no_new_token(gateway_factory) -> None:
    async with gateway_factory() as gw:
        admin = await gw.bearer()
        client_id, secret = await gw.client("app")
        await gw.token(client_id, secret)
        revoked = await gw.http.delete(f"/v1/admin/clients/{client_id}", headers=admin)
        assert revoked.status_code == 204
        response = await gw.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"


async def test_bad_tokens_are_refused_by_the_gateway_and_by_the_service(
    gateway_factory, forgery
) -> None:
    claims_for, forge, hs256_with = forgery.claims_for, forgery.forge, forgery.hs256_with
    async with gateway_factory() as gw:
        g = gw.gateway
        key = await g.keys.active()
        public_pem = key.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        good = await g.keys.sign(claims_for(g))
        head, body, sig = good.split(".")
        tampered_claims = base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(body + "==").replace(b"registrar", b"council__")
        ).rstrip(b"=")
        bad = {
            "alg=none": forge({"alg": "none", "kid": key.kid}, claims_for(g)),
            "HS256 with the public key": hs256_with(
                public_pem, {"alg": "HS256", "kid": key.kid, "typ": "JWT"}, claims_for(g)
            ),
            "wrong aud": await g.keys.sign(claims_for(g, aud="someone-else")),
            "wrong iss": await g.keys.sign(claims_for(g, iss="https://evil.example")),
            "expired": await g.keys.sign(claims_for(g, exp=claims_for(g)["iat"] - 60)),
            "future nbf": await g.keys.sign(claims_for(g, nbf=claims_for(g)["iat"] + 600)),
            "tampered": f"{head}.{tampered_claims.decode()}.{sig}",
            "unknown kid": jwt.encode(
                claims_for(g), key.private_key, algorithm=ALG, headers={"kid": "unknown"}
            ),
            "garbage": "not-a-jwt",
        }
        for name, token in bad.items():
            response = await gw.http.get("/v1/echo/x", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, name
            assert response.headers["content-type"] == "application/problem+json", name
        assert gw.echo.hits == 0
        ok = await gw.http.get("/v1/echo/x", headers={"Authorization": f"Bearer {good}"})
        assert ok.status_code == 200
        service_verifier = gw.gateway.upstreams[0].app.state.runtime.verifier
        for token in bad.values():
            # The upstream verifies again: reaching it directly bypasses nothing.
            with pytest.raises(Unauthorized):
                await service_verifier.verify(token)


async def test_a_flood_of_unknown_kids_fetches_the_jwks_at_most_once(
    gateway_factory, forgery
) -> None:
    claims_for = forgery.claims_for
    async with gateway_factory(jwks_min_refresh_s=60) as gw:
        g = gw.gateway
        await gw.http.get("/v1/echo/warm", headers=await gw.bearer())
        before = g.verifier.fetches
        key = await g.keys.active()

        async def attempt(i: int) -> int:
            token = jwt.encode(
                claims_for(g), key.private_key, algorithm=ALG, headers={"kid": f"forged-{i}"}
            )
            response = await gw.http.get("/v1/echo/x", headers={"Authorization": f"Bearer {token}"})
            return response.status_code

        statuses = await asyncio.gather(*(attempt(i) for i in range(200)))
        assert set(statuses) == {401}
        assert g.verifier.fetches - before <= 1


async def test_a_key_rotation_mid_traffic_fails_no_request(gateway_factory) -> None:
    async with gateway_factory(
        keys_cache_s=0,
        rate_limit_oauth="100000/minute",
        rate_limit_client="100000/minute",
    ) as gw:
        # Gateway and service verifiers refresh their JWKS at most every 10 s of this clock.
        gw.gateway.verifier._monotonic = gw.echo.monotonic
        client_id, secret = await gw.client("app")
        stop = asyncio.Event()
        statuses: list[int] = []
        kids: set[str] = set()

        async def traffic() -> None:
            while not stop.is_set():
                token = await gw.token(client_id, secret)
                kids.add(jwt.get_unverified_header(token)["kid"])
                response = await gw.http.get(
                    "/v1/echo-auth/whoami", headers={"Authorization": f"Bearer {token}"}
                )
                statuses.append(response.status_code)

        workers = [asyncio.create_task(traffic()) for _ in range(4)]
        await asyncio.sleep(0.2)
        staged = await gw.gateway.keys.stage()
        await asyncio.sleep(0.2)
        # The publish lead time: longer than a verifier's minimum refresh interval.
        gw.echo.monotonic.now += gw.gateway.verifier.min_refresh_s + 1
        await gw.gateway.keys.activate()
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*workers)
        assert staged in kids
        assert len(kids) == 2
        assert statuses
        assert set(statuses) == {200}
