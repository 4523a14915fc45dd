"""Database errors caused by input become 4xx problems on real PostgreSQL, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from streetlevel.common.db import create_engine
from streetlevel.common.problems import install_problem_handlers

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(50), unique=True),
    Column("count", Integer),
)


class NoteIn(BaseModel):
    title: str
    count: int


@pytest.fixture
async def client(pg_database_factory) -> AsyncIterator[httpx2.AsyncClient]:  # type: ignore[no-untyped-def]
    async def prepare(url: str) -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()

    engine = create_engine(await pg_database_factory("problems", prepare=prepare))
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/notes", status_code=201)
    async def create(note: NoteIn) -> dict[str, str]:
        async with engine.begin() as conn:
            await conn.execute(insert(notes).values(title=note.title, count=note.count))
        return {"status": "created"}

    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await engine.dispose()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": "nul\u0000byte", "count": 1}, 422),
        ({"title": "huge", "count": 2**40}, 422),
        ({"title": "x" * 80, "count": 1}, 422),
    ],
    ids=["nul-byte", "integer-out-of-range", "string-too-long"],
)
async def test_input_the_database_refuses_is_a_422_problem(
    client: httpx2.AsyncClient, body: dict[str, object], status: int
) -> None:
    response = await client.post("/notes", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/validation")
    assert "SELECT" not in response.text
    assert "INSERT" not in response.text
    assert "Traceback" not in response.text


async def test_a_unique_violation_is_a_409_problem(client: httpx2.AsyncClient) -> None:
    assert (await client.post("/notes", json={"title": "same", "count": 1})).status_code == 201
    response = await client.post("/notes", json={"title": "same", "count": 2})
    assert response.status_code == 409
    assert response.json()["type"].endswith("/conflict")
    assert "notes" not in response.json()["detail"]
