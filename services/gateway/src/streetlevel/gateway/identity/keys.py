"""Signing keys: EdDSA (Ed25519) JWTs, the JWKS, and staged rotation (next → active → retired)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.clock import Clock
from streetlevel.common.db import WRITE
from streetlevel.common.errors import Conflict, PreconditionFailed
from streetlevel.gateway.adapters.orm import signing_keys

ALG = "EdDSA"
#: A retired key stays published this much longer than the tokens it signed can live.
RETIRE_GRACE_S = 60


@dataclass(frozen=True)
class SigningKey:
    kid: str
    status: str
    public_jwk: dict[str, Any]
    private_key: Ed25519PrivateKey
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None


class KeyRing:
    """Keys from the gateway's database, cached briefly so the CLI can rotate while serving."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        server_key: bytes,
        clock: Clock,
        token_lifetime_s: int,
        publish_lead_s: float,
        cache_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.server_key = server_key
        self.clock = clock
        self.token_lifetime_s = token_lifetime_s
        self.publish_lead_s = publish_lead_s
        self.cache_s = cache_s
        self._monotonic = monotonic
        self._keys: list[SigningKey] = []
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()
        self.loads = 0

    def _encrypt(self, key: Ed25519PrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self.server_key),
        )

    def _decrypt(self, pem: bytes) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key(pem, password=self.server_key)
        if not isinstance(key, Ed25519PrivateKey):
            raise TypeError("signing keys are Ed25519")
        return key

    async def keys(self, *, fresh: bool = False) -> list[SigningKey]:
        now = self._monotonic()
        if not fresh and self._loaded_at is not None and now - self._loaded_at < self.cache_s:
            return self._keys
        async with self._lock:
            if not fresh and self._loaded_at is not None and now - self._loaded_at < self.cache_s:
                return self._keys
            async with self.engine.connect() as conn:
                rows = (await conn.execute(select(signing_keys))).all()
            self._keys = [
                SigningKey(
                    kid=r.kid,
                    status=r.status,
                    public_jwk=orjson.loads(r.public_jwk),
                    private_key=self._decrypt(bytes(r.private_pem)),
                    created_at=r.created_at,
                    activated_at=r.activated_at,
                    retired_at=r.retired_at,
                )
                for r in rows
            ]
            self._loaded_at = self._monotonic()
            self.loads += 1
            return self._keys

    def _published(self, key: SigningKey) -> bool:
        if key.status != "retired" or key.retired_at is None:
            return True
        horizon = timedelta(seconds=self.token_lifetime_s + RETIRE_GRACE_S)
        return _aware(key.retired_at) + horizon > self.clock.now()

    async def jwks(self) -> dict[str, Any]:
        """The published keys: next, active, and retired ones whose tokens may still live."""
        return {"keys": [k.public_jwk for k in await self.keys() if self._published(k)]}

    async def active(self) -> SigningKey:
        for key in await self.keys():
            if key.status == "active":
                return key
        for key in await self.keys(fresh=True):
            if key.status == "active":
                return key
        raise PreconditionFailed("No active signing key: run `streetlevel keys rotate`.")

    async def rotation_due_s(self, rotation: timedelta) -> float | None:
        """Seconds until the active key is due for rotation (negative: overdue), or None."""
        for key in await self.keys():
            if key.status == "active":
                since = _aware(key.activated_at or key.created_at)
                return (since + rotation - self.clock.now()).total_seconds()
        return None

    async def sign(self, claims: dict[str, Any]) -> str:
        key = await self.active()
        return jwt.encode(claims, key.private_key, algorithm=ALG, headers={"kid": key.kid})

    async def ensure_active(self) -> None:
        """First start: create and activate a key at once (nothing can hold an older JWKS)."""
        async with self.engine.connect() as conn:
            present = (
                await conn.execute(
                    select(signing_keys.c.kid).where(signing_keys.c.status == "active")
                )
            ).first()
        if present is None:
            kid = await self.stage(allow_existing=True)
            await self.activate(force=True, kid=kid)

    async def stage(self, *, allow_existing: bool = False) -> str:
        """Publish a new key that does not sign yet; returns its kid."""
        private = Ed25519PrivateKey.generate()
        kid = uuid.uuid4().hex[:16]
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
        jwk.update({"kid": kid, "use": "sig", "alg": ALG})
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**WRITE)
            async with conn.begin():
                staged = (
                    await conn.execute(
                        select(signing_keys.c.kid).where(signing_keys.c.status == "next")
                    )
                ).first()
                if staged is not None:
                    if allow_existing:
                        return str(staged.kid)
                    raise Conflict(f"Key {staged.kid} is already staged: activate it first.")
                await conn.execute(
                    insert(signing_keys).values(
                        kid=kid,
                        alg=ALG,
                        private_pem=self._encrypt(private),
                        public_jwk=orjson.dumps(jwk).decode(),
                        status="next",
                        created_at=self.clock.now(),
                    )
                )
        self._loaded_at = None
        return kid

    async def activate(self, *, force: bool = False, kid: str | None = None) -> str:
        """Switch signing to the staged key; the old key is retired but stays published."""
        now = self.clock.now()
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**WRITE)
            async with conn.begin():
                query = select(signing_keys).where(signing_keys.c.status == "next")
                if kid is not None:
                    query = query.where(signing_keys.c.kid == kid)
                staged = (await conn.execute(query)).first()
                if staged is None:
                    raise Conflict("No staged key: run `streetlevel keys rotate` first.")
                published_for = (now - _aware(staged.created_at)).total_seconds()
                if not force and published_for < self.publish_lead_s:
                    raise PreconditionFailed(
                        f"Key {staged.kid} has been published for {published_for:.0f}s; wait "
                        f"{self.publish_lead_s - published_for:.0f}s more so every verifier has it."
                    )
                await conn.execute(
                    update(signing_keys)
                    .where(signing_keys.c.status == "active")
                    .values(status="retired", retired_at=now)
                )
                await conn.execute(
                    update(signing_keys)
                    .where(signing_keys.c.kid == staged.kid)
                    .values(status="active", activated_at=now)
                )
        self._loaded_at = None
        return str(staged.kid)

    async def prune(self) -> int:
        """Delete retired keys whose tokens have all expired."""
        cutoff = self.clock.now() - timedelta(seconds=self.token_lifetime_s + RETIRE_GRACE_S)
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**WRITE)
            async with conn.begin():
                result = await conn.execute(
                    delete(signing_keys)
                    .where(signing_keys.c.status == "retired")
                    .where(signing_keys.c.retired_at < cutoff)
                )
        self._loaded_at = None
        return int(result.rowcount or 0)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
