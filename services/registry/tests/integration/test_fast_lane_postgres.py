"""The GET fast lane on PostgreSQL: the unit tests again, and a restart's closed connections."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.db import asyncpg_dsn
from streetlevel.common.service import get_principal
from streetlevel.registry.adapters.read import record

COMPONENT = Path(__file__).resolve().parents[1] / "component" / "test_fast_lane.py"
_spec = importlib.util.spec_from_file_location("registry_pg_test_fast_lane", COMPONENT)
assert _spec is not None
assert _spec.loader is not None
_unit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_unit)
# The same test functions; this directory's conftest gives them a PostgreSQL + Kafka `api`.
globals().update({k: v for k, v in vars(_unit).items() if k.startswith("test_")})


async def _close_every_connection(engine: AsyncEngine) -> None:
    """What an immediate PostgreSQL restart does to the pool: every connection is closed."""
    conn = await asyncpg.connect(asyncpg_dsn(engine.url.render_as_string(hide_password=False)))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


async def _registered(api: Any, body: Any) -> tuple[str, Any]:
    council = api.tokens.bearer(api.tokens.council())
    created = await api.client.post("/v1/enterprises", json=body(), headers=council)
    assert created.status_code == 201, created.text
    path = f"/v1/enterprises/{created.json()['id']}"
    expected = await api.client.get(path, headers=api.tokens.bearer(api.tokens.registrar()))
    assert expected.status_code == 200
    return path, expected


async def test_a_read_that_fails_in_the_lane_is_answered_by_the_route(
    api: Any, body: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, expected = await _registered(api, body)
    registrar = api.tokens.bearer(api.tokens.registrar())

    async def broken(_engine: Any) -> Any:
        raise asyncpg.ConnectionDoesNotExistError("connection was closed")

    async def route_ran() -> None:
        raise HTTPException(status_code=418, detail="the route's dependencies ran")

    monkeypatch.setattr(record, "read_pool", broken)
    api.app.dependency_overrides[get_principal] = route_ran
    assert (await api.client.get(path, headers=registrar)).status_code == 418
    api.app.dependency_overrides.clear()
    answered = await api.client.get(path, headers=registrar)
    assert answered.status_code == 200
    assert answered.content == expected.content


async def test_after_a_restart_closed_every_connection_reads_still_answer(
    api: Any, body: Any
) -> None:
    path, expected = await _registered(api, body)
    registrar = api.tokens.bearer(api.tokens.registrar())
    await _close_every_connection(api.app.state.runtime.engine)
    for _ in range(3):  # the lane's and the route's pools: each connection answered, never a 500
        again = await api.client.get(path, headers=registrar)
        assert again.status_code == 200
        assert again.content == expected.content
