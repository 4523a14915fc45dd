"""Every error becomes an RFC 9457 problem with the right status and no internal details."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.db import create_engine
from streetlevel.common.errors import (
    PROBLEM_BASE,
    PROBLEM_TYPES,
    Conflict,
    DeadlinePassed,
    DomainError,
    Forbidden,
    Ineligible,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    RateLimited,
    Unauthorized,
    UpstreamUnavailable,
)
from streetlevel.common.problems import install_problem_handlers
from streetlevel.common.web import EdgeMiddleware

SECRET = "SECRET-Jane-Doe-07700900123"

metadata = MetaData()
things = Table(
    "things", metadata, Column("id", Integer, primary_key=True), Column("name", String(50))
)


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    age: int


DOMAIN_ERRORS: dict[str, DomainError] = {
    "not-found": NotFound("No such enterprise."),
    "forbidden": Forbidden("Not your commission."),
    "unauthorized": Unauthorized("A token is needed."),
    "conflict": Conflict("Already registered."),
    "invalid-transition": InvalidTransition("A dissolved enterprise cannot be verified."),
    "deadline-passed": DeadlinePassed("The tender closed."),
    "precondition-failed": PreconditionFailed("The resource changed."),
    "ineligible": Ineligible("Not eligible.", unmet=[{"rule": "verified_only"}]),
    "rate-limited": RateLimited("Slow down.", retry_after=7),
    "upstream-unavailable": UpstreamUnavailable("Registry is down.", status=504),
}

INFRASTRUCTURE: dict[str, BaseException] = {
    "refused": ConnectionRefusedError("connect to 10.0.0.7:5432 refused"),
    "timeout": TimeoutError("pool timeout"),
    "operational": OperationalError("SELECT secret FROM t", {}, Exception("database is locked")),
}


def problem_app(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/domain/{name}")
    async def domain(name: str) -> None:
        raise DOMAIN_ERRORS[name]

    @app.post("/people")
    async def people(person: PersonCreate) -> dict[str, Any]:
        return person.model_dump()

    @app.get("/search")
    async def search(limit: int = 50) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/http")
    async def http() -> None:
        raise HTTPException(status_code=409, detail="Explicit conflict.")

    @app.post("/things")
    async def create_thing() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(id=1, name=SECRET))

    @app.get("/data-error")
    async def data_error() -> None:
        raise DataError(f"INSERT INTO t VALUES ('{SECRET}')", {}, Exception("value too long"))

    @app.get("/infrastructure/{name}")
    async def infrastructure(name: str) -> None:
        raise INFRASTRUCTURE[name]

    @app.get("/wrapped-infrastructure")
    async def wrapped() -> None:
        try:
            raise ConnectionResetError("peer reset")
        except ConnectionResetError as exc:
            raise RuntimeError("while loading") from exc

    @app.get("/bug")
    async def bug() -> None:
        raise KeyError(f"internal detail {SECRET}")

    app.add_middleware(EdgeMiddleware, service="problems-test")
    return app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx2.AsyncClient]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/problems.db")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    transport = httpx2.ASGITransport(app=problem_app(engine), raise_app_exceptions=False)
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://test", headers={"X-Request-ID": "req-1"}
    ) as c:
        yield c
    await engine.dispose()


def assert_problem(response: httpx2.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + slug
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == "req-1"
    assert slug in PROBLEM_TYPES
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize("slug", sorted(DOMAIN_ERRORS))
async def test_a_domain_error_carries_its_status_and_type(
    client: httpx2.AsyncClient, slug: str
) -> None:
    error = DOMAIN_ERRORS[slug]
    expected = 504 if slug == "upstream-unavailable" else error.status

    body = assert_problem(await client.get(f"/domain/{slug}"), expected, slug)

    assert body["detail"] == error.detail


async def test_an_ineligible_problem_lists_every_unmet_rule(client: httpx2.AsyncClient) -> None:
    body = assert_problem(await client.get("/domain/ineligible"), 422, "ineligible")

    assert body["unmet"] == [{"rule": "verified_only"}]


async def test_error_headers_reach_the_client(client: httpx2.AsyncClient) -> None:
    limited = await client.get("/domain/rate-limited")
    unauthorized = await client.get("/domain/unauthorized")
    upstream = await client.get("/domain/upstream-unavailable")

    assert limited.headers["retry-after"] == "7"
    assert unauthorized.headers["www-authenticate"].startswith("Bearer")
    assert upstream.headers["retry-after"] == "2"


async def test_a_validation_error_never_echoes_the_input(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        "/people", json={"name": "Jane", "age": SECRET, "phone_number": SECRET}
    )

    body = assert_problem(response, 422, "validation")
    assert SECRET not in response.text
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert locs == {("body", "age"), ("body", "phone_number")}
    for error in body["errors"]:
        assert set(error) == {"loc", "msg", "type"}


async def test_a_broken_json_body_is_a_validation_problem_without_the_input(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(
        "/people",
        content=f'{{"name": "{SECRET}", '.encode(),
        headers={"Content-Type": "application/json"},
    )

    assert_problem(response, 422, "validation")
    assert SECRET not in response.text


async def test_a_bad_query_parameter_is_a_validation_problem(client: httpx2.AsyncClient) -> None:
    response = await client.get("/search", params={"limit": SECRET})

    body = assert_problem(response, 422, "validation")
    assert SECRET not in response.text
    assert body["errors"][0]["loc"] == ["query", "limit"]


async def test_an_unknown_route_is_a_not_found_problem(client: httpx2.AsyncClient) -> None:
    assert_problem(await client.get("/nowhere"), 404, "not-found")


async def test_a_wrong_method_is_a_405_problem_with_allow(client: httpx2.AsyncClient) -> None:
    response = await client.delete("/search")

    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"


async def test_an_http_exception_keeps_its_status_and_detail(client: httpx2.AsyncClient) -> None:
    body = assert_problem(await client.get("/http"), 409, "conflict")

    assert body["detail"] == "Explicit conflict."


async def test_a_database_integrity_error_is_a_409_without_sql(
    client: httpx2.AsyncClient,
) -> None:
    first = await client.post("/things")
    second = await client.post("/things")

    assert first.status_code == 200
    assert_problem(second, 409, "conflict")
    assert SECRET not in second.text
    assert "UNIQUE" not in second.text
    assert "INSERT" not in second.text


async def test_a_database_data_error_is_a_422_without_sql(client: httpx2.AsyncClient) -> None:
    response = await client.get("/data-error")

    assert_problem(response, 422, "validation")
    assert SECRET not in response.text
    assert "INSERT" not in response.text


@pytest.mark.parametrize("name", sorted(INFRASTRUCTURE))
async def test_an_infrastructure_error_is_a_503_with_retry_after(
    client: httpx2.AsyncClient, name: str
) -> None:
    response = await client.get(f"/infrastructure/{name}")

    body = assert_problem(response, 503, "upstream-unavailable")
    assert response.headers["retry-after"] == "2"
    assert str(INFRASTRUCTURE[name]) not in body["detail"]
    assert "10.0.0.7" not in response.text
    assert "SELECT" not in response.text


async def test_an_error_caused_by_an_infrastructure_failure_is_a_503(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.get("/wrapped-infrastructure")

    assert_problem(response, 503, "upstream-unavailable")
    assert "peer reset" not in response.text


async def test_an_unexpected_error_is_a_500_without_details(client: httpx2.AsyncClient) -> None:
    response = await client.get("/bug")

    body = assert_problem(response, 500, "internal")
    assert SECRET not in response.text
    assert "KeyError" not in response.text
    assert body["detail"] == "An unexpected error occurred."
