"""The service shell answers every error with the edge headers, and oversize bodies with 413."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import MetaData

from streetlevel.common.outbox import outbox_table
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import CommonSettings

LIMIT = 2048


class Note(BaseModel):
    text: str


def shell(tmp_path: Path) -> httpx2.AsyncClient:
    router = APIRouter()

    @router.get("/bug")
    async def bug() -> None:
        raise KeyError("internal detail")

    @router.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError("db refused")

    @router.post("/notes")
    async def notes(note: Note) -> dict[str, int]:
        return {"size": len(note.text)}

    settings = CommonSettings(
        service_name="shell",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/shell.db",
        max_body_bytes=LIMIT,
    )
    runtime = Runtime(settings, outbox=outbox_table(MetaData()))
    app = build_service_app(runtime, title="shell", description="test", routers=[router])
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx2.AsyncClient(
        transport=transport, base_url="http://test", headers={"X-Request-ID": "req-1"}
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx2.AsyncClient]:
    async with shell(tmp_path) as c:
        yield c


@pytest.mark.parametrize(("path", "status"), [("/bug", 500), ("/refused", 503)])
async def test_a_500_or_503_still_carries_the_edge_headers(
    client: httpx2.AsyncClient, path: str, status: int
) -> None:
    response = await client.get(path)
    assert response.status_code == status
    assert response.headers["x-request-id"] == "req-1"
    assert "Authorization" in response.headers["vary"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["request_id"] == "req-1"
    assert "internal detail" not in response.text


async def _chunks(count: int, size: int = 1000) -> AsyncIterator[bytes]:
    yield b'{"text": "'
    for _ in range(count):
        yield b"x" * size
    yield b'"}'


async def test_a_streamed_body_above_the_limit_is_a_413_on_a_validated_route(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(
        "/notes", content=_chunks(4), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"].endswith("/payload-too-large")
    assert response.headers["x-request-id"] == "req-1"


async def test_a_streamed_body_within_the_limit_reaches_the_route(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(
        "/notes", content=_chunks(1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {"size": 1000}


async def test_a_verified_token_is_not_verified_again_until_it_expires() -> None:
    from unittest import mock

    import jwt as pyjwt

    from streetlevel.common.auth import TokenVerifier
    from streetlevel.testing.tokens import TokenFactory

    tokens = TokenFactory()
    now = [1_000_000_000.0]
    verifier = TokenVerifier(
        tokens.key_source(), issuer=tokens.issuer, audience=tokens.audience, wall=lambda: now[0]
    )
    token = tokens.council(lifetime_s=300)
    exp = pyjwt.decode(token, options={"verify_signature": False})["exp"]
    with mock.patch.object(pyjwt, "decode", wraps=pyjwt.decode) as decode:
        first = await verifier.verify(token)
        second = await verifier.verify(token)
        assert decode.call_count == 1
        assert first == second
        now[0] = exp + 1  # past its expiry the cache no longer vouches for it: verify again
        await verifier.verify(token)
        assert decode.call_count == 2


async def test_a_withdrawn_key_stops_its_cached_tokens_at_the_next_refresh() -> None:
    from streetlevel.common.auth import TokenVerifier
    from streetlevel.common.errors import Unauthorized
    from streetlevel.testing.tokens import TokenFactory

    old, new = TokenFactory(), TokenFactory()
    published = [old.jwks()]
    clock = [0.0]

    async def source() -> dict[str, object]:
        return published[0]

    verifier = TokenVerifier(
        source, issuer=old.issuer, audience=old.audience, monotonic=lambda: clock[0]
    )
    token = old.council()
    await verifier.verify(token)
    published[0] = new.jwks()
    clock[0] += 1000  # the key set's max age passes: the next unknown kid forces a refresh
    await verifier.verify(new.council())
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
