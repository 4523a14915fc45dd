"""JWT verification against a JWKS: pinned algorithms, audience, issuer, expiry, scopes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from streetlevel.common.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from jwt import PyJWK

# PyJWT (with cryptography) and httpx2 are imported where a token or a key set is first met:
# together they were ~10 % of a service's import time and several MB it may never use.

#: Only asymmetric algorithms: a token can never be "signed" with a public key as HMAC secret.
ALGORITHMS = ("RS256", "EdDSA")

KeySource = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, from a verified token (or anonymous)."""

    client_id: str | None = None
    kind: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)
    org: str | None = None
    area: str | None = None
    enterprise_id: str | None = None
    token_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.client_id is None

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        """Raise 401 for anonymous callers and 403 for callers without ``scope``."""
        if self.is_anonymous:
            raise Unauthorized("This operation needs a bearer token.")
        if scope not in self.scopes:
            raise Forbidden(f"This operation needs the '{scope}' scope.", required_scope=scope)

    @property
    def actor(self) -> str:
        """A non-personal description for audit rows: client and principal."""
        if self.is_anonymous:
            return "anonymous"
        acting = self.org or self.enterprise_id or self.kind
        return f"{self.client_id}:{acting}"


ANONYMOUS = Principal()


def http_key_source(url: str, *, timeout_s: float = 3.0) -> KeySource:
    """Fetch the JWKS document over HTTP (distributed mode)."""

    async def fetch() -> dict[str, Any]:
        import httpx2

        async with httpx2.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document

    return fetch


class TokenVerifier:
    """Verifies bearer tokens; refreshes the key set at most once per ``min_refresh_s``.

    A flood of tokens with unknown ``kid`` values therefore costs one JWKS fetch per
    interval, not one per request.
    """

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        min_refresh_s: float = 10.0,
        max_age_s: float = 300.0,
        leeway_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        cache_size: int = 10_000,
    ) -> None:
        self._source = keys
        self._wall = wall
        self.cache_size = cache_size
        # Verified tokens until their expiry: a signature check costs more than the request.
        self._verified: dict[str, tuple[float, Principal]] = {}
        self.issuer = issuer
        self.audience = audience
        self.min_refresh_s = min_refresh_s
        self.max_age_s = max_age_s
        self.leeway_s = leeway_s
        self._monotonic = monotonic
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            now = self._monotonic()
            if self._fetched_at is not None:
                age = now - self._fetched_at
                if age < self.min_refresh_s or (not force and age < self.max_age_s):
                    return
            self._fetched_at = now
            self.fetches += 1
            import jwt
            from jwt import PyJWK

            try:
                document = await self._source()
            except Exception:  # keep the old keys: an unreachable JWKS must not lock all out
                return
            keys: dict[str, PyJWK] = {}
            for jwk in document.get("keys", []):
                if jwk.get("kid") and jwk.get("use", "sig") == "sig":
                    try:
                        keys[jwk["kid"]] = PyJWK(jwk)
                    except jwt.PyJWTError:
                        continue
            if keys.keys() != self._keys.keys():
                # A withdrawn key must stop its tokens now, not when they expire.
                self._verified.clear()
            self._keys = keys

    async def _key_for(self, kid: str) -> PyJWK:
        if self._fetched_at is None or (self._monotonic() - self._fetched_at >= self.max_age_s):
            await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("The token was signed with an unknown key.")
        return key

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; 401 for anything else."""
        cached = self._verified.get(token)
        if cached is not None:
            if cached[0] > self._wall():
                return cached[1]
            del self._verified[token]
        principal, expires = await self._verify(token)
        if len(self._verified) >= self.cache_size:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (expires, principal)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The bearer token is malformed.") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS or not isinstance(kid, str):
            raise Unauthorized("The token's algorithm or key id is not accepted.")
        key = await self._key_for(kid)
        if key.algorithm_name != alg:
            raise Unauthorized("The token's algorithm does not match its key.")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The bearer token is not valid: {exc}.") from exc
        return principal_from_claims(claims), float(claims["exp"])


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    scope = claims.get("scope") or ""
    return Principal(
        client_id=str(claims["sub"]),
        kind=str(claims.get("kind") or "app"),
        scopes=frozenset(str(scope).split()),
        org=claims.get("org"),
        area=claims.get("area"),
        enterprise_id=claims.get("enterprise_id"),
        token_id=claims.get("jti"),
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header (None when absent)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'.")
    return token.strip()
