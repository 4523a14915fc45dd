"""``Idempotency-Key`` on POST: the same key and body replay the first response for 24 h.

Scoped to (client, method, path, key). A different body with the same key is a 422
``idempotency-conflict``; a key whose first request is still in flight is a 409. Only
responses below 500 are kept, so a failed attempt can be retried with the same key.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from streetlevel.common.auth import Principal, bearer_token
from streetlevel.common.db import WRITE, UtcDateTime
from streetlevel.common.errors import DomainError, IdempotencyConflict, IdempotencyInFlight
from streetlevel.common.problems import problem

TTL = timedelta(hours=24)
IN_FLIGHT_TIMEOUT = timedelta(minutes=2)
MAX_KEY_LENGTH = 200


def idempotency_table(metadata: MetaData) -> Table:
    """Stored first responses, added to a service's own metadata and migrations."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("client", String(200), nullable=False),
        Column("method", String(10), nullable=False),
        Column("path", String(500), nullable=False),
        Column("key", String(MAX_KEY_LENGTH), nullable=False),
        Column("body_hash", String(64), nullable=False),
        Column("status", Integer, nullable=True),
        Column("headers", LargeBinary, nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("client", "method", "path", "key"),
    )


_REPLAYED_HEADERS = {b"content-type", b"location", b"etag"}


class IdempotencyMiddleware:
    """Pure ASGI: wraps POSTs that carry ``Idempotency-Key``; everything else passes through."""

    def __init__(self, app: ASGIApp, *, runtime: Any, table: Table) -> None:
        self.app = app
        self.runtime = runtime
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw_key = next((v for k, v in scope["headers"] if k == b"idempotency-key"), None)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await problem(422, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.")(
                scope, receive, send
            )
            return
        client = await self._client(scope)
        if client is None:  # an invalid token: let the route answer 401, store nothing
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        ident = {"client": client, "method": "POST", "path": scope["path"], "key": key}
        digest = hashlib.sha256(body).hexdigest()
        try:
            stored = await self._claim(ident, digest)
        except DomainError as exc:
            await problem(exc.status, exc.detail, slug=exc.slug, title=exc.title)(
                scope, receive, send
            )
            return
        if stored is not None:
            await _replay(stored, send)
            return
        await self._forward(scope, body, send, ident)

    async def _client(self, scope: Scope) -> str | None:
        auth = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        if auth is None:
            return "anonymous"
        verifier = getattr(self.runtime, "verifier", None)
        try:
            token = bearer_token(auth.decode("latin-1"))
            if token is None or verifier is None:
                return None
            principal: Principal = await verifier.verify(token)
        except DomainError:
            return None
        return str(principal.client_id)

    async def _claim(self, ident: dict[str, str], digest: str) -> dict[str, Any] | None:
        t = self.table
        now = self.runtime.clock.now()
        where = [t.c[name] == value for name, value in ident.items()]
        async with self.runtime.engine.connect() as conn:
            conn = await conn.execution_options(**WRITE)
            async with conn.begin():
                await conn.execute(delete(t).where(t.c.created_at < now - TTL))
                row = (await conn.execute(select(t).where(*where))).first()
                if row is None:
                    try:
                        async with conn.begin_nested():
                            await conn.execute(
                                insert(t).values(**ident, body_hash=digest, created_at=now)
                            )
                    except IntegrityError as exc:
                        raise IdempotencyInFlight(
                            "A request with this Idempotency-Key is in flight."
                        ) from exc
                    return None
                if row.body_hash != digest:
                    raise IdempotencyConflict(
                        "This Idempotency-Key was used with a different request body."
                    )
                if row.status is None:
                    created = row.created_at
                    if created.tzinfo is None:
                        created = created.replace(tzinfo=now.tzinfo)
                    if now - created < IN_FLIGHT_TIMEOUT:
                        raise IdempotencyInFlight(
                            "A request with this Idempotency-Key is still in flight."
                        )
                    await conn.execute(update(t).where(*where).values(created_at=now))
                    return None
                return {
                    "status": row.status,
                    "headers": orjson.loads(row.headers or b"[]"),
                    "body": bytes(row.body or b""),
                }

    async def _forward(self, scope: Scope, body: bytes, send: Send, ident: dict[str, str]) -> None:
        sent = False
        status = 500
        headers: list[list[str]] = []
        chunks: list[bytes] = []

        async def replay_receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in message.get("headers", [])
                    if k in _REPLAYED_HEADERS
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            await self._settle(ident, status, headers, b"".join(chunks))

    async def _settle(
        self, ident: dict[str, str], status: int, headers: list[list[str]], body: bytes
    ) -> None:
        t = self.table
        where = [t.c[name] == value for name, value in ident.items()]
        async with self.runtime.engine.connect() as conn:
            conn = await conn.execution_options(**WRITE)
            async with conn.begin():
                if status >= 500:
                    await conn.execute(delete(t).where(*where))
                else:
                    await conn.execute(
                        update(t)
                        .where(*where)
                        .values(status=status, headers=orjson.dumps(headers), body=body)
                    )


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(parts)
        elif message["type"] == "http.disconnect":
            return b"".join(parts)


async def _replay(stored: dict[str, Any], send: Send) -> None:
    body: bytes = stored["body"]
    raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored["headers"]]
    raw_headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": stored["status"], "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
