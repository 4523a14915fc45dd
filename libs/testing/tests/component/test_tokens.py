"""The test token factory signs tokens the way the gateway does and verifies against its JWKS."""

from __future__ import annotations

import time

import jwt
import pytest

from streetlevel.common.auth import TokenVerifier
from streetlevel.common.errors import Unauthorized
from streetlevel.testing.tokens import (
    AUDIENCE,
    COUNCIL_SCOPES,
    ISSUER,
    REGISTRAR_SCOPES,
    TokenFactory,
)


@pytest.fixture(scope="module")
def factory() -> TokenFactory:
    return TokenFactory(kid="test-kid")


def verifier(factory: TokenFactory) -> TokenVerifier:
    return TokenVerifier(factory.key_source(), issuer=factory.issuer, audience=factory.audience)


def test_the_jwks_publishes_one_rs256_signing_key_under_its_kid(factory: TokenFactory) -> None:
    (jwk,) = factory.jwks()["keys"]

    assert (jwk["kid"], jwk["use"], jwk["alg"], jwk["kty"]) == ("test-kid", "sig", "RS256", "RSA")
    assert "d" not in jwk  # the private exponent never leaves the factory


async def test_the_key_source_serves_the_jwks(factory: TokenFactory) -> None:
    assert await factory.key_source()() == factory.jwks()


def test_a_token_carries_the_registered_claims(factory: TokenFactory) -> None:
    before = int(time.time())
    token = factory.token(sub="client-9", scope="a b", lifetime_s=120)

    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})

    assert header["kid"] == "test-kid"
    assert header["alg"] == "RS256"
    assert payload["iss"] == ISSUER
    assert payload["aud"] == AUDIENCE
    assert payload["sub"] == "client-9"
    assert payload["scope"] == "a b"
    assert before <= payload["iat"] <= payload["exp"] - 120
    assert payload["jti"]


def test_each_token_has_its_own_jti_and_default_subject(factory: TokenFactory) -> None:
    first = jwt.decode(factory.token(), options={"verify_signature": False})
    second = jwt.decode(factory.token(), options={"verify_signature": False})

    assert first["jti"] != second["jti"]
    assert first["sub"] != second["sub"]


async def test_principal_helpers_give_the_right_scopes_and_binding(factory: TokenFactory) -> None:
    v = verifier(factory)

    council = await v.verify(factory.council(org="GB-LAE-FYL", area="E07000119"))
    enterprise = await v.verify(factory.enterprise())
    registrar = await v.verify(factory.registrar())

    assert council.scopes == frozenset(COUNCIL_SCOPES.split())
    assert (council.kind, council.org, council.area) == ("council", "GB-LAE-FYL", "E07000119")
    assert enterprise.kind == "enterprise"
    assert enterprise.enterprise_id is None  # an unbound enterprise client
    assert registrar.scopes == frozenset(REGISTRAR_SCOPES.split())


def test_bearer_builds_an_authorization_header() -> None:
    assert TokenFactory.bearer("abc") == {"Authorization": "Bearer abc"}


async def test_a_token_from_another_factory_is_refused(factory: TokenFactory) -> None:
    other = TokenFactory()

    with pytest.raises(Unauthorized):
        await verifier(factory).verify(other.council())


async def test_a_factory_with_another_audience_is_refused_by_the_default_verifier() -> None:
    other = TokenFactory(audience="elsewhere")
    v = TokenVerifier(other.key_source(), issuer=ISSUER, audience=AUDIENCE)

    with pytest.raises(Unauthorized):
        await v.verify(other.council())
