"""TokenVerifier, Principal and bearer parsing: what a service accepts as proof of identity."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx2
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

from streetlevel.common.auth import (
    ANONYMOUS,
    KeySource,
    Principal,
    TokenVerifier,
    bearer_token,
)
from streetlevel.common.errors import Forbidden, Unauthorized
from streetlevel.common.problems import install_problem_handlers
from streetlevel.common.service import CurrentPrincipal
from streetlevel.testing.tokens import AUDIENCE, ISSUER, TokenFactory


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Signer:
    """A signing key with its JWK, able to sign any claims (including invalid ones)."""

    def __init__(self, alg: str = "RS256", kid: str | None = None) -> None:
        self.alg = alg
        self.kid = kid or uuid.uuid4().hex[:12]
        self.key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
        if alg == "RS256":
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.key = ed25519.Ed25519PrivateKey.generate()

    def jwk(self) -> dict[str, Any]:
        public = self.key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.alg})
        return jwk

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(claims, self.key, algorithm=self.alg, headers={"kid": self.kid, **header})


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "client-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "scope": "registry:write",
        "kind": "app",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


class Jwks:
    """A mutable key source that counts its fetches and can be made unreachable."""

    def __init__(self, *signers: Signer) -> None:
        self.signers = list(signers)
        self.fetches = 0
        self.down = False

    async def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise ConnectionError("JWKS unreachable")
        return {"keys": [s.jwk() for s in self.signers]}


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier_for(source: KeySource, clock: Callable[[], float] | None = None) -> TokenVerifier:
    return TokenVerifier(
        source,
        issuer=ISSUER,
        audience=AUDIENCE,
        min_refresh_s=10,
        max_age_s=300,
        monotonic=clock or FakeTime(),
    )


@pytest.fixture(scope="module")
def rsa_signer() -> Signer:
    return Signer("RS256")


@pytest.fixture(scope="module")
def factory() -> TokenFactory:
    return TokenFactory()


async def test_a_valid_rs256_token_is_accepted(rsa_signer: Signer) -> None:
    verifier = verifier_for(Jwks(rsa_signer))

    principal = await verifier.verify(rsa_signer.sign(claims(sub="client-42")))

    assert principal.client_id == "client-42"
    assert principal.scopes == frozenset({"registry:write"})


async def test_a_valid_eddsa_token_is_accepted() -> None:
    signer = Signer("EdDSA")
    verifier = verifier_for(Jwks(signer))

    principal = await verifier.verify(signer.sign(claims(sub="ed-client")))

    assert principal.client_id == "ed-client"


async def test_a_token_with_alg_none_is_refused(rsa_signer: Signer) -> None:
    header = _b64(orjson.dumps({"alg": "none", "kid": rsa_signer.kid, "typ": "JWT"}))
    token = f"{header}.{_b64(orjson.dumps(claims()))}."

    with pytest.raises(Unauthorized):
        await verifier_for(Jwks(rsa_signer)).verify(token)


async def test_a_token_hmac_signed_with_the_public_key_pem_is_refused(rsa_signer: Signer) -> None:
    header = _b64(orjson.dumps({"alg": "HS256", "kid": rsa_signer.kid, "typ": "JWT"}))
    signing_input = f"{header}.{_b64(orjson.dumps(claims()))}"
    mac = hmac.new(rsa_signer.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64(mac)}"

    with pytest.raises(Unauthorized):
        await verifier_for(Jwks(rsa_signer)).verify(token)


async def test_a_token_whose_alg_differs_from_its_keys_is_refused(rsa_signer: Signer) -> None:
    ed = Signer("EdDSA", kid=rsa_signer.kid)  # an EdDSA token claiming the RSA key's kid
    token = ed.sign(claims())

    with pytest.raises(Unauthorized, match="algorithm"):
        await verifier_for(Jwks(rsa_signer)).verify(token)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "another-audience"}, "wrong audience"),
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not yet valid"),
        ({"jti": None}, "missing jti"),
        ({"exp": None}, "missing exp"),
        ({"sub": None}, "missing sub"),
    ],
)
async def test_a_token_with_bad_claims_is_refused(
    rsa_signer: Signer, overrides: dict[str, Any], reason: str
) -> None:
    token = rsa_signer.sign(claims(**overrides))

    with pytest.raises(Unauthorized):
        await verifier_for(Jwks(rsa_signer)).verify(token)


async def test_a_token_with_a_tampered_payload_is_refused(rsa_signer: Signer) -> None:
    header, _payload, signature = rsa_signer.sign(claims(scope="outcomes:report")).split(".")
    forged = _b64(orjson.dumps(claims(scope="registry:verify admin")))

    with pytest.raises(Unauthorized):
        await verifier_for(Jwks(rsa_signer)).verify(f"{header}.{forged}.{signature}")


async def test_a_token_signed_by_an_unknown_key_is_refused(rsa_signer: Signer) -> None:
    stranger = Signer("RS256")

    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier_for(Jwks(rsa_signer)).verify(stranger.sign(claims()))


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "Zm9v.YmFy.YmF6"])
async def test_a_malformed_token_is_refused(rsa_signer: Signer, token: str) -> None:
    with pytest.raises(Unauthorized):
        await verifier_for(Jwks(rsa_signer)).verify(token)


async def test_claims_map_to_the_principal(factory: TokenFactory) -> None:
    verifier = verifier_for(factory.key_source())

    council = await verifier.verify(factory.council(sub="bpl-app"))
    enterprise = await verifier.verify(factory.enterprise("ent-7", sub="ent-app"))

    assert council.client_id == "bpl-app"
    assert council.kind == "council"
    assert council.org == "GB-LAE-BPL"
    assert council.area == "E06000009"
    assert council.enterprise_id is None
    assert council.has("commissioning:evaluate")
    assert council.token_id is not None
    assert council.actor == "bpl-app:GB-LAE-BPL"
    assert enterprise.kind == "enterprise"
    assert enterprise.enterprise_id == "ent-7"
    assert enterprise.scopes == frozenset(
        {"registry:write", "commissioning:bid", "outcomes:report"}
    )
    assert enterprise.org is None


def _unknown_kid_token(i: int) -> str:
    # An attacker needs no valid signature to make the verifier look a kid up.
    header = _b64(orjson.dumps({"alg": "RS256", "kid": f"unknown-{i}"}))
    return f"{header}.{_b64(orjson.dumps(claims()))}.{_b64(b'x' * 256)}"


async def test_a_flood_of_unknown_kids_costs_a_bounded_number_of_fetches(
    rsa_signer: Signer,
) -> None:
    source, clock = Jwks(rsa_signer), FakeTime()
    verifier = verifier_for(source, clock)

    async def attempt(i: int) -> bool:
        try:
            await verifier.verify(_unknown_kid_token(i))
        except Unauthorized:
            return False
        return True

    results = await asyncio.gather(*(attempt(i) for i in range(1000)))
    assert not any(results)
    assert source.fetches <= 2

    clock.now += 11
    before = source.fetches
    more = await asyncio.gather(*(attempt(i) for i in range(1000, 2000)))
    assert not any(more)
    assert source.fetches == before + 1


async def test_a_newly_published_key_is_accepted_after_a_refresh(rsa_signer: Signer) -> None:
    new = Signer("EdDSA")
    source, clock = Jwks(rsa_signer), FakeTime()
    verifier = verifier_for(source, clock)
    await verifier.verify(rsa_signer.sign(claims()))

    source.signers.append(new)  # staged rotation: the next key is published before it signs
    clock.now += 11

    assert (await verifier.verify(new.sign(claims(sub="new")))).client_id == "new"
    assert (await verifier.verify(rsa_signer.sign(claims(sub="old")))).client_id == "old"


async def test_a_withdrawn_key_is_refused_once_the_cache_expires(rsa_signer: Signer) -> None:
    new = Signer("RS256")
    source, clock = Jwks(rsa_signer, new), FakeTime()
    verifier = verifier_for(source, clock)
    await verifier.verify(rsa_signer.sign(claims()))

    source.signers = [new]
    clock.now += 301

    with pytest.raises(Unauthorized):
        await verifier.verify(rsa_signer.sign(claims()))
    assert (await verifier.verify(new.sign(claims(sub="new")))).client_id == "new"


async def test_an_unreachable_key_source_keeps_the_keys_already_fetched(
    rsa_signer: Signer,
) -> None:
    source, clock = Jwks(rsa_signer), FakeTime()
    verifier = verifier_for(source, clock)
    await verifier.verify(rsa_signer.sign(claims()))

    source.down = True
    clock.now += 301  # the cache is stale, so the verifier tries (and fails) to refresh

    principal = await verifier.verify(rsa_signer.sign(claims(sub="still-ok")))
    assert principal.client_id == "still-ok"
    assert source.fetches == 2


async def test_an_unreachable_key_source_at_start_refuses_tokens_with_401(
    rsa_signer: Signer,
) -> None:
    source = Jwks(rsa_signer)
    source.down = True

    with pytest.raises(Unauthorized):
        await verifier_for(source).verify(rsa_signer.sign(claims()))


def test_an_anonymous_principal_needs_a_token() -> None:
    with pytest.raises(Unauthorized) as caught:
        ANONYMOUS.require("registry:write")

    assert caught.value.status == 401
    assert ANONYMOUS.is_anonymous
    assert ANONYMOUS.actor == "anonymous"


def test_a_principal_without_the_scope_is_forbidden() -> None:
    principal = Principal(client_id="c1", kind="enterprise", scopes=frozenset({"outcomes:report"}))

    principal.require("outcomes:report")
    with pytest.raises(Forbidden) as caught:
        principal.require("outcomes:verify")

    assert caught.value.status == 403


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("Bearer abc", "abc"), ("bearer  abc  ", "abc")],
)
def test_a_bearer_header_yields_its_token(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "abc"])
def test_a_non_bearer_authorization_is_refused(header: str) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


class _Runtime:
    def __init__(self, verifier: TokenVerifier | None) -> None:
        self.verifier = verifier


def _principal_app(verifier: TokenVerifier | None) -> FastAPI:
    app = FastAPI()
    app.state.runtime = _Runtime(verifier)
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"client": principal.client_id, "kind": principal.kind}

    return app


async def _get_me(app: FastAPI, headers: dict[str, str] | None = None) -> httpx2.Response:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/me", headers=headers or {})


async def test_the_current_principal_is_verified_by_the_service(factory: TokenFactory) -> None:
    app = _principal_app(verifier_for(factory.key_source()))

    anonymous = await _get_me(app)
    council = await _get_me(app, factory.bearer(factory.council(sub="bpl")))
    forged = await _get_me(app, factory.bearer(TokenFactory().council()))

    assert anonymous.json() == {"client": None, "kind": "anonymous"}
    assert council.json() == {"client": "bpl", "kind": "council"}
    assert forged.status_code == 401
    assert forged.headers["content-type"] == "application/problem+json"
    assert forged.headers["www-authenticate"].startswith("Bearer")


async def test_a_service_without_a_key_source_refuses_bearer_tokens(
    factory: TokenFactory,
) -> None:
    response = await _get_me(_principal_app(None), factory.bearer(factory.council()))

    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthorized")
