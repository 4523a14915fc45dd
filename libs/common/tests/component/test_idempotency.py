"""Idempotency-Key on POST: replay, conflicts, scoping per client, expiry and failures."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import MetaData, Table, func, insert, select
from starlette.responses import JSONResponse, Response

from streetlevel.common.clock import FrozenClock
from streetlevel.common.idempotency import (
    IN_FLIGHT_TIMEOUT,
    MAX_KEY_LENGTH,
    TTL,
    idempotency_table,
)
from streetlevel.common.outbox import outbox_table
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import CurrentPrincipal, build_service_app
from streetlevel.common.settings import CommonSettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory

PATH = "/v1/things"


class ThingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


@dataclass
class Calls:
    count: int = 0
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


def things_router(calls: Calls) -> APIRouter:
    router = APIRouter()

    @router.post(PATH)
    async def create(body: ThingCreate, principal: CurrentPrincipal) -> Response:
        principal.require("registry:write")
        calls.count += 1
        n = calls.count
        return JSONResponse(
            {"n": n, "name": body.name, "by": principal.client_id},
            status_code=201,
            headers={"Location": f"{PATH}/{n}", "ETag": f'"v{n}"', "X-Other": "not-kept"},
        )

    @router.post("/v1/other-things")
    async def create_other(body: ThingCreate) -> Response:
        calls.count += 1
        return JSONResponse({"n": calls.count}, status_code=201)

    @router.post("/v1/slow")
    async def slow() -> Response:
        calls.count += 1
        calls.entered.set()
        await calls.release.wait()
        return JSONResponse({"n": calls.count}, status_code=201)

    @router.post("/v1/flaky")
    async def flaky() -> Response:
        calls.count += 1
        return JSONResponse({"detail": "try again"}, status_code=503)

    @router.post("/v1/crashing")
    async def crashing() -> Response:
        calls.count += 1
        raise RuntimeError("a bug")

    return router


@dataclass
class Harness:
    client: httpx2.AsyncClient
    runtime: Runtime
    table: Table
    clock: FrozenClock
    tokens: TokenFactory
    calls: Calls

    async def post(
        self,
        body: dict[str, Any],
        *,
        key: str | None = "key-1",
        sub: str | None = "client-a",
        path: str = PATH,
        headers: dict[str, str] | None = None,
    ) -> httpx2.Response:
        sent = dict(headers or {})
        if key is not None:
            sent["Idempotency-Key"] = key
        if sub is not None:
            sent.update(self.tokens.bearer(self.tokens.token(sub=sub, scope="registry:write")))
        sent["Content-Type"] = "application/json"
        return await self.client.post(path, content=orjson.dumps(body), headers=sent)

    async def stored(self) -> int:
        async with self.runtime.engine.connect() as conn:
            rows = await conn.execute(select(func.count()).select_from(self.table))
            return int(rows.scalar_one())


@pytest.fixture(scope="module")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
async def harness(tmp_path: Path, tokens: TokenFactory) -> AsyncIterator[Harness]:
    metadata = MetaData()
    table = idempotency_table(metadata)
    clock = FrozenClock()
    settings = CommonSettings(
        service_name="idem-test", database_url=f"sqlite+aiosqlite:///{tmp_path}/idem.db"
    )
    runtime = Runtime(
        settings, outbox=outbox_table(metadata), clock=clock, key_source=tokens.key_source()
    )
    async with runtime.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    calls = Calls()
    app = build_service_app(
        runtime, title="t", description="t", routers=[things_router(calls)], idempotency=table
    )
    async with LifespanManager(app) as manager:
        transport = httpx2.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Harness(client, runtime, table, clock, tokens, calls)


async def test_the_same_key_and_body_replay_the_first_response(harness: Harness) -> None:
    first = await harness.post({"name": "a"})
    second = await harness.post({"name": "a"})

    assert harness.calls.count == 1
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["location"] == first.headers["location"] == f"{PATH}/1"
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert "x-other" not in second.headers


async def test_the_same_key_with_another_body_is_an_idempotency_conflict(
    harness: Harness,
) -> None:
    await harness.post({"name": "a"})

    response = await harness.post({"name": "b"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://streetlevel.org/problems/idempotency-conflict"
    assert harness.calls.count == 1


async def test_keys_are_scoped_per_client(harness: Harness) -> None:
    a = await harness.post({"name": "x"}, sub="client-a")
    b = await harness.post({"name": "x"}, sub="client-b")
    a_again = await harness.post({"name": "x"}, sub="client-a")

    assert harness.calls.count == 2
    assert a.json()["by"] == "client-a"
    assert b.json()["by"] == "client-b"
    assert a_again.content == a.content


async def test_keys_are_scoped_per_path(harness: Harness) -> None:
    await harness.post({"name": "x"})
    other = await harness.post({"name": "x"}, path="/v1/other-things")

    assert other.status_code == 201
    assert "idempotent-replayed" not in other.headers
    assert harness.calls.count == 2


async def test_a_key_executes_again_after_24_hours(harness: Harness) -> None:
    await harness.post({"name": "a"})
    harness.clock.advance(TTL - timedelta(seconds=1))
    replayed = await harness.post({"name": "a"})
    harness.clock.advance(seconds=2)

    fresh = await harness.post({"name": "a"})

    assert replayed.headers["idempotent-replayed"] == "true"
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.headers["location"] == f"{PATH}/2"
    assert harness.calls.count == 2


async def test_a_server_error_is_not_stored_so_a_retry_executes(harness: Harness) -> None:
    first = await harness.post({}, path="/v1/flaky")
    second = await harness.post({}, path="/v1/flaky")

    assert first.status_code == second.status_code == 503
    assert "idempotent-replayed" not in second.headers
    assert harness.calls.count == 2
    assert await harness.stored() == 0


async def test_a_crashing_route_is_not_stored_so_a_retry_executes(harness: Harness) -> None:
    first = await harness.post({}, path="/v1/crashing")
    second = await harness.post({}, path="/v1/crashing")

    assert first.status_code == second.status_code == 500
    assert "a bug" not in second.text
    assert harness.calls.count == 2
    assert await harness.stored() == 0


async def test_a_client_error_is_stored_and_replayed(harness: Harness) -> None:
    first = await harness.post({"name": "a", "admin": True})
    second = await harness.post({"name": "a", "admin": True})

    assert first.status_code == second.status_code == 422
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()


async def test_a_duplicate_while_the_first_is_in_flight_is_a_409(harness: Harness) -> None:
    body = {"name": "slow"}
    async with harness.runtime.engine.begin() as conn:
        await conn.execute(
            insert(harness.table).values(
                client="client-a",
                method="POST",
                path=PATH,
                key="key-1",
                body_hash=hashlib.sha256(orjson.dumps(body)).hexdigest(),
                created_at=harness.clock.now(),
            )
        )

    response = await harness.post(body)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/conflict")
    assert harness.calls.count == 0


async def test_a_concurrent_duplicate_is_a_409_and_a_later_one_replays(
    harness: Harness,
) -> None:
    first = asyncio.create_task(harness.post({}, path="/v1/slow"))
    await asyncio.wait_for(harness.calls.entered.wait(), timeout=5)

    duplicate = await harness.post({}, path="/v1/slow")
    harness.calls.release.set()
    original = await asyncio.wait_for(first, timeout=5)
    later = await harness.post({}, path="/v1/slow")

    assert duplicate.status_code == 409
    assert original.status_code == later.status_code == 201
    assert later.headers["idempotent-replayed"] == "true"
    assert harness.calls.count == 1


async def test_an_abandoned_in_flight_key_is_taken_over(harness: Harness) -> None:
    body = {"name": "orphan"}
    async with harness.runtime.engine.begin() as conn:
        await conn.execute(
            insert(harness.table).values(
                client="client-a",
                method="POST",
                path=PATH,
                key="key-1",
                body_hash=hashlib.sha256(orjson.dumps(body)).hexdigest(),
                created_at=harness.clock.now(),
            )
        )
    harness.clock.advance(IN_FLIGHT_TIMEOUT + timedelta(seconds=1))

    response = await harness.post(body)

    assert response.status_code == 201
    assert harness.calls.count == 1


async def test_an_invalid_token_passes_through_to_the_route_and_stores_nothing(
    harness: Harness,
) -> None:
    forged = TokenFactory().token(sub="client-a", scope="registry:write")
    headers = {"Idempotency-Key": "k", **TokenFactory.bearer(forged)}

    response = await harness.post({"name": "a"}, key=None, sub=None, headers=headers)

    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthorized")
    assert harness.calls.count == 0
    assert await harness.stored() == 0


@pytest.mark.parametrize("key", ["x" * (MAX_KEY_LENGTH + 1), "   "])
async def test_a_key_of_the_wrong_length_is_a_422(harness: Harness, key: str) -> None:
    response = await harness.post({"name": "a"}, key=key)

    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation")
    assert harness.calls.count == 0


async def test_a_post_without_a_key_executes_every_time(harness: Harness) -> None:
    await harness.post({"name": "a"}, key=None)
    await harness.post({"name": "a"}, key=None)

    assert harness.calls.count == 2
    assert await harness.stored() == 0


async def test_a_get_with_a_key_is_not_intercepted(harness: Harness) -> None:
    response = await harness.client.get("/livez", headers={"Idempotency-Key": "k"})

    assert response.json() == {"status": "ok"}
    assert await harness.stored() == 0
