"""The GET fast lane on PostgreSQL: the unit tests again, and a restart's closed connections."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import HTTPException
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.db import asyncpg_dsn
from streetlevel.common.service import get_principal

UNIT = Path(__file__).resolve().parents[1] / "unit" / "test_fast_lane.py"
_spec = importlib.util.spec_from_file_location("registry_pg_test_fast_lane", UNIT)
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


async def test_a_closed_connection_sends_the_get_to_the_route_never_a_500(api: Any, body) -> None:  # type: ignore[no-untyped-def]
    council = api.tokens.bearer(api.tokens.council())
    created = await api.client.post("/v1/enterprises", json=body(), headers=council)
    assert created.status_code == 201, created.text
    path = f"/v1/enterprises/{created.json()['id']}"
    registrar = api.tokens.bearer(api.tokens.registrar())
    expected = await api.client.get(path, headers=registrar)
    assert expected.status_code == 200
    await _close_every_connection(api.app.state.runtime.engine)

    async def route_ran() -> None:
        raise HTTPException(status_code=418, detail="the route's dependencies ran")

    api.app.dependency_overrides[get_principal] = route_ran
    declined = await api.client.get(path, headers=registrar)
    assert declined.status_code == 418  # the lane's connection failed, so it left the request
    api.app.dependency_overrides.clear()
    for _ in range(3):  # the pool's other closed connections: each answered, none a 500
        again = await api.client.get(path, headers=registrar)
        assert again.status_code == 200
        assert again.content == expected.content
