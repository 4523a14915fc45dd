"""Forged, stale and misdirected JWTs are refused by the gateway and by every service itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from streetlevel_e2e_harness.api import Actor, Api, claims
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.world import World

from streetlevel.common.clock import SystemClock
from streetlevel.common.db import create_engine
from streetlevel.gateway.identity.keys import KeyRing


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], body: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}"


class Forger:
    """Signs arbitrary claims with the gateway's real active key, or forges without it."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    async def real(self, body: dict[str, Any]) -> str:
        return await self.ring.sign(body)

    async def variants(self, body: dict[str, Any]) -> dict[str, str]:
        now = int(time.time())
        key = await self.ring.active()
        public_pem = key.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        hs_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, body).encode()
        hs_sig = hmac.new(public_pem, hs_input, hashlib.sha256).digest()
        valid = await self.real(body)
        head, _payload, sig = valid.split(".")
        tampered_body = {**body, "scope": body["scope"] + " admin registry:verify"}
        return {
            "alg=none": unsigned({"alg": "none", "typ": "JWT"}, body) + ".",
            "HS256 keyed with the public key": f"{hs_input.decode()}.{b64(hs_sig)}",
            "wrong audience": await self.real({**body, "aud": "someone-else"}),
            "wrong issuer": await self.real({**body, "iss": "https://evil.example"}),
            "expired": await self.real({**body, "iat": now - 900, "exp": now - 600}),
            "not yet valid": await self.real({**body, "nbf": now + 600}),
            "tampered claims": f"{head}.{b64(json.dumps(tampered_body).encode())}.{sig}",
            "unknown kid": jwt.encode(
                body, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "nope"}
            ),
            "garbage": "not.a.jwt",
        }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def forger(platform: Platform) -> AsyncIterator[Forger]:
    engine = create_engine(platform.database_url("gateway"))
    ring = KeyRing(
        engine,
        server_key=platform.server_key.encode(),
        clock=SystemClock(),
        token_lifetime_s=300,
        publish_lead_s=0,
        cache_s=0,
    )
    yield Forger(ring)
    await engine.dispose()


def targets(platform: Platform, world: World) -> list[tuple[str, str, str, Actor]]:
    """(where, base URL, a path the actor may read, the actor) at the gateway and each service."""
    cast = world.cast
    return [
        ("gateway", platform.gateway_url, "/v1/admin/clients", cast.registrar),
        (
            "gateway, proxied",
            platform.gateway_url,
            f"/v1/enterprises/{world.pending_id}",
            cast.registrar,
        ),
        (
            "registry",
            platform.url("registry"),
            f"/v1/enterprises/{world.pending_id}",
            cast.registrar,
        ),
        (
            "commissioning",
            platform.url("commissioning"),
            f"/v1/commissions/{world.draft_id}",
            cast.blackpool,
        ),
        (
            "outcomes",
            platform.url("outcomes"),
            f"/v1/observations/{world.ids['observation_id']}",
            cast.blackpool,
        ),
    ]


async def test_bad_tokens_are_refused_at_the_gateway_and_at_each_service_directly(
    platform: Platform, world: World, gateway: Api, forger: Forger
) -> None:
    failures = []
    for where, base, path, actor in targets(platform, world):
        api = Api.over(base)
        try:
            token = await gateway.login(actor)
            body = claims(token)
            # The positive control: a token we sign with the real key and claims is accepted.
            good = await api.get(
                path, headers={"Authorization": f"Bearer {await forger.real(body)}"}
            )
            assert good.status_code == 200, (where, good.text)
            for name, bad in (await forger.variants(body)).items():
                resp = await api.get(path, headers={"Authorization": f"Bearer {bad}"})
                if resp.status_code != 401:
                    failures.append(f"{where}: {name}: {resp.status_code} {resp.text[:200]}")
                elif "bearer" not in resp.headers.get("www-authenticate", "").lower():
                    failures.append(f"{where}: {name}: 401 without WWW-Authenticate: Bearer")
        finally:
            await api.close()
    assert not failures, "\n".join(failures)
