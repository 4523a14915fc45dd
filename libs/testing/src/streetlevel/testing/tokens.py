"""Signed test tokens and the matching in-process JWKS, for services tested without a gateway."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from streetlevel.common.auth import KeySource, Principal

ISSUER = "https://streetlevel.local"
AUDIENCE = "streetlevel"

COUNCIL_SCOPES = (
    "registry:write commissioning:write commissioning:evaluate outcomes:write outcomes:verify"
)
ENTERPRISE_SCOPES = "registry:write commissioning:bid outcomes:report"
REGISTRAR_SCOPES = "registry:verify admin"


def principal(kind: str, scopes: str = "", **claims: Any) -> Principal:
    """A verified caller as a service sees it, for access rules called directly."""
    return Principal(client_id=f"c-{kind}", kind=kind, scopes=frozenset(scopes.split()), **claims)


def access_principals(enterprise_id: str, council_org: str = "GB-LAE-BPL") -> dict[str, Principal]:
    """The principals an access-matrix test tries, by name: ``itself`` is ``enterprise_id``."""
    return {
        "anonymous": Principal(),
        "app": principal("app"),
        "council": principal("council", COUNCIL_SCOPES, org=council_org, area="E06000009"),
        "other_council": principal("council", COUNCIL_SCOPES, org="GB-LAE-FYL", area="E07000119"),
        "itself": principal("enterprise", ENTERPRISE_SCOPES, enterprise_id=enterprise_id),
        "other_enterprise": principal("enterprise", ENTERPRISE_SCOPES, enterprise_id="e-other"),
        "registrar": principal("registrar", REGISTRAR_SCOPES),
    }


class TokenFactory:
    """An RSA key pair that signs tokens like the gateway does (RS256, ``kid``)."""

    def __init__(
        self, *, issuer: str = ISSUER, audience: str = AUDIENCE, kid: str | None = None
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = kid or uuid.uuid4().hex[:16]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def key_source(self) -> KeySource:
        async def source() -> dict[str, Any]:
            return self.jwks()

        return source

    def token(
        self,
        *,
        sub: str | None = None,
        scope: str = "",
        kind: str = "app",
        lifetime_s: int = 300,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        subject = sub or f"client-{uuid.uuid4().hex[:8]}"
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "jti": uuid.uuid4().hex,
            "scope": scope,
            "kind": kind,
        }
        payload.update({k: v for k, v in claims.items() if v is not None})
        return jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": self.kid})

    def council(self, org: str = "GB-LAE-BPL", area: str = "E06000009", **claims: Any) -> str:
        return self.token(scope=COUNCIL_SCOPES, kind="council", org=org, area=area, **claims)

    def enterprise(self, enterprise_id: str | None = None, **claims: Any) -> str:
        return self.token(
            scope=ENTERPRISE_SCOPES, kind="enterprise", enterprise_id=enterprise_id, **claims
        )

    def registrar(self, **claims: Any) -> str:
        return self.token(scope=REGISTRAR_SCOPES, kind="registrar", **claims)

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}
