"""``streetlevel-events rebuild`` on the native stack: commissioning's read models from Kafka."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

SOURCE = "set -a; . .streetlevel/stack.env; set +a"

#: Each read model's table and key; ``updated_at`` is the time of the rebuild, so not compared.
TABLES = {
    "enterprises": (
        "id",
        "SELECT id, status, name, record::text AS record FROM enterprise_read_model",
    ),
    "indicators": ("code", "SELECT code, record::text AS record FROM indicator_read_model"),
    "themes": ("code", "SELECT code, name, description, retired FROM theme_read_model"),
}
REBUILD = (
    ".venv/bin/streetlevel-events rebuild --service commissioning --read-model {model} "
    '--bootstrap "$STREETLEVEL_KAFKA_BOOTSTRAP"'
)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _rows(url: str) -> dict[str, dict[str, dict[str, Any]]]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        found = {}
        for model, (key, query) in TABLES.items():
            rows = [dict(r) for r in await conn.fetch(query)]
            found[model] = {str(r[key]): r for r in rows}
        return found
    finally:
        await conn.close()


async def _pairs(url: str, sql: str) -> set[tuple[Any, Any]]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return {(r[0], r[1]) for r in await conn.fetch(sql)}
    finally:
        await conn.close()


async def _scalar(url: str, query: str) -> Any:
    conn = await asyncpg.connect(_dsn(url))
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


def _wait(check: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(1)


@pytest.mark.timeout(1200)
def test_rebuild_refills_commissioning_read_models_row_for_row_while_it_runs(
    native_stack: Any, stack_shell: Callable[..., Any]
) -> None:
    def _run(line: str) -> str:
        done = stack_shell(f"set -euo pipefail; {SOURCE}\n{line}", timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return str(done.stdout)

    commissioning = native_stack.env["COMMISSIONING_DATABASE_URL"]
    gateway = native_stack.env["GATEWAY_DATABASE_URL"]
    # The fixture's registration reaches commissioning's read model first.
    enterprises = "SELECT count(*) FROM enterprise_read_model"
    _wait(lambda: asyncio.run(_scalar(commissioning, enterprises)) > 0, "an enterprise")
    original = asyncio.run(_rows(commissioning))
    assert all(original[m] for m in ("enterprises", "indicators", "themes")), {
        m: len(rows) for m, rows in original.items()
    }
    feed_sql = "SELECT position, event_id FROM feed_events ORDER BY position"
    inbox_sql = "SELECT consumer, event_id FROM inbox"
    feed = asyncio.run(_pairs(gateway, feed_sql))
    inbox = asyncio.run(_pairs(commissioning, inbox_sql))

    out = _run(REBUILD.format(model="all"))
    print(out)
    for model, rows in original.items():
        assert f"rebuilt commissioning {model} from" in out
        assert f"rows {len(rows)} -> {len(rows)}" in out, out

    rebuilt = asyncio.run(_rows(commissioning))
    for model in TABLES:
        assert rebuilt[model] == original[model], model
    # The feed is not rebuilt: every position keeps its event (others may arrive meanwhile).
    # The inbox still holds every event it held (cleared, then applied again).
    assert feed <= asyncio.run(_pairs(gateway, feed_sql))
    assert inbox <= asyncio.run(_pairs(commissioning, inbox_sql))
    print(
        f"rebuild: {sum(len(r) for r in original.values())} rows compared equal; "
        f"{len(feed)} feed positions unchanged; {len(inbox)} inbox rows kept"
    )

    # Twice in a row, with the service still running: the same rows again.
    out = _run(REBUILD.format(model="enterprises"))
    assert asyncio.run(_rows(commissioning))["enterprises"] == original["enterprises"], out
