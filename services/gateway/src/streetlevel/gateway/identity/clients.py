"""API clients and councils: 256-bit secrets kept only as HMAC-SHA256 digests."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from streetlevel.common.areas import area_type
from streetlevel.common.clock import Clock
from streetlevel.common.db import WRITE
from streetlevel.common.errors import Conflict, NotFound, ValidationProblem
from streetlevel.common.ids import new_id
from streetlevel.gateway.adapters.orm import api_clients, councils

Kind = Literal["council", "enterprise", "registrar", "app"]

DEFAULT_SCOPES: dict[str, str] = {
    "council": "registry:write commissioning:write commissioning:evaluate "
    "outcomes:write outcomes:verify",
    "enterprise": "registry:write commissioning:bid outcomes:report",
    "registrar": "registry:verify admin",
    "app": "",
}
ALL_SCOPES: dict[str, str] = {
    "registry:write": "Register and update enterprises",
    "registry:verify": "Verify, suspend, reinstate and dissolve enterprises",
    "commissioning:write": "Create and manage commissions and contracts",
    "commissioning:evaluate": "Score bids and award lots",
    "commissioning:bid": "Ask questions and bid",
    "outcomes:write": "Manage indicators and measurement plans",
    "outcomes:verify": "Verify reported observations",
    "outcomes:report": "Report observations",
    "admin": "Manage API clients and councils",
}
ORG_ID = re.compile(r"^GB-LAE-[A-Z0-9]{2,10}$")


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    kind: str
    scopes: tuple[str, ...]
    org: str | None
    area: str | None
    enterprise_id: str | None
    rate_limit: str | None
    created_at: Any
    revoked_at: Any

    def public(self) -> dict[str, Any]:
        return {
            "client_id": self.id,
            "name": self.name,
            "kind": self.kind,
            "scopes": list(self.scopes),
            "org": self.org,
            "area": self.area,
            "enterprise_id": self.enterprise_id,
            "rate_limit": self.rate_limit,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def _client(row: Any) -> Client:
    return Client(
        id=row.id,
        name=row.name,
        kind=row.kind,
        scopes=tuple(row.scopes.split()),
        org=row.org,
        area=row.area,
        enterprise_id=row.enterprise_id,
        rate_limit=row.rate_limit,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class ClientStore:
    """Create, authenticate, revoke and rotate API clients; register councils."""

    def __init__(self, engine: AsyncEngine, *, server_key: bytes, clock: Clock) -> None:
        self.engine = engine
        self.server_key = server_key
        self.clock = clock

    def digest(self, secret: str) -> str:
        return hmac.new(self.server_key, secret.encode(), hashlib.sha256).hexdigest()

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite, so the CLI waits its turn)."""
        async with self.engine.connect() as conn:
            await conn.execution_options(**WRITE)
            async with conn.begin():
                yield conn

    async def add_council(self, *, org_id: str, name: str, area: str) -> dict[str, Any]:
        if not ORG_ID.match(org_id):
            raise ValidationProblem("org_id must be a GB-LAE org-id, e.g. GB-LAE-BPL.")
        if area_type(area) not in ("lad", "county"):
            raise ValidationProblem("area must be a LAD or county GSS code, e.g. E06000009.")
        async with self._write() as conn:
            exists = (
                await conn.execute(select(councils.c.org_id).where(councils.c.org_id == org_id))
            ).first()
            if exists is not None:
                raise Conflict(f"Council {org_id} is already registered.")
            await conn.execute(
                insert(councils).values(
                    org_id=org_id, name=name, area=area, created_at=self.clock.now()
                )
            )
        return {"org_id": org_id, "name": name, "area": area}

    async def councils(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(councils).order_by(councils.c.org_id))).all()
        return [{"org_id": r.org_id, "name": r.name, "area": r.area} for r in rows]

    async def create(
        self,
        *,
        kind: Kind,
        name: str,
        scopes: list[str] | None = None,
        org: str | None = None,
        enterprise_id: str | None = None,
        rate_limit: str | None = None,
    ) -> tuple[Client, str]:
        """A new client and its secret (shown once, never stored)."""
        wanted = DEFAULT_SCOPES[kind].split() if scopes is None else scopes
        unknown = sorted(set(wanted) - ALL_SCOPES.keys())
        if unknown:
            raise ValidationProblem(f"Unknown scopes: {', '.join(unknown)}.")
        if kind != "council" and org is not None:
            raise ValidationProblem("Only council clients act for an org.")
        if kind != "enterprise" and enterprise_id is not None:
            raise ValidationProblem("Only enterprise clients act for an enterprise.")
        if rate_limit is not None:
            _check_rate_limit(rate_limit)
        secret = secrets.token_urlsafe(32)
        client_id = str(new_id())
        async with self._write() as conn:
            area = None
            if kind == "council":
                if org is None:
                    raise ValidationProblem("A council client needs its council's org-id.")
                area = (
                    await conn.execute(select(councils.c.area).where(councils.c.org_id == org))
                ).scalar_one_or_none()
                if area is None:
                    raise ValidationProblem(
                        f"Council {org} is not registered: run `streetlevel councils add`."
                    )
            await conn.execute(
                insert(api_clients).values(
                    id=client_id,
                    name=name,
                    kind=kind,
                    secret_digest=self.digest(secret),
                    scopes=" ".join(dict.fromkeys(wanted)),
                    org=org,
                    area=area,
                    enterprise_id=enterprise_id,
                    rate_limit=rate_limit,
                    created_at=self.clock.now(),
                )
            )
        return await self.get(client_id), secret

    async def get(self, client_id: str) -> Client:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(api_clients).where(api_clients.c.id == client_id))
            ).first()
        if row is None:
            raise NotFound(f"Client {client_id} does not exist.")
        return _client(row)

    async def list(self, *, after: str | None, limit: int) -> list[Client]:
        query = select(api_clients).order_by(api_clients.c.id).limit(limit)
        if after is not None:
            query = query.where(api_clients.c.id > after)
        async with self.engine.connect() as conn:
            return [_client(r) for r in (await conn.execute(query)).all()]

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The client if the secret matches and it is not revoked (constant-time compare)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(api_clients).where(api_clients.c.id == client_id))
            ).first()
        presented = self.digest(secret)
        stored = row.secret_digest if row is not None else "0" * 64
        if not hmac.compare_digest(presented, stored) or row is None:
            return None
        if row.revoked_at is not None:
            return None
        return _client(row)

    async def revoke(self, client_id: str) -> None:
        async with self._write() as conn:
            result = await conn.execute(
                update(api_clients)
                .where(api_clients.c.id == client_id)
                .where(api_clients.c.revoked_at.is_(None))
                .values(revoked_at=self.clock.now())
            )
        if not result.rowcount:
            await self.get(client_id)

    async def rotate_secret(self, client_id: str) -> tuple[Client, str]:
        client = await self.get(client_id)
        if client.revoked_at is not None:
            raise Conflict(f"Client {client_id} is revoked.")
        secret = secrets.token_urlsafe(32)
        async with self._write() as conn:
            await conn.execute(
                update(api_clients)
                .where(api_clients.c.id == client_id)
                .values(secret_digest=self.digest(secret), secret_rotated_at=self.clock.now())
            )
        return client, secret

    async def bind_enterprise(self, client_id: str, enterprise_id: str) -> bool:
        """Bind an unbound enterprise client to the enterprise it just registered."""
        async with self._write() as conn:
            result = await conn.execute(
                update(api_clients)
                .where(api_clients.c.id == client_id)
                .where(api_clients.c.kind == "enterprise")
                .where(api_clients.c.enterprise_id.is_(None))
                .values(enterprise_id=enterprise_id)
            )
        return bool(result.rowcount)

    async def rate_limits(self) -> dict[str, str]:
        """Per-client quotas that differ from the default."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(api_clients.c.id, api_clients.c.rate_limit).where(
                        api_clients.c.rate_limit.is_not(None)
                    )
                )
            ).all()
        return {r.id: r.rate_limit for r in rows}


def _check_rate_limit(value: str) -> None:
    from limits import parse

    try:
        parse(value)
    except ValueError as exc:
        raise ValidationProblem("rate_limit must look like '1000/minute'.") from exc
