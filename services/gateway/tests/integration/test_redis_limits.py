"""Several gateway replicas share one Redis: a client's quota holds across all of them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import httpx2
import pytest

from streetlevel.gateway.app import create_app
from streetlevel.testing.lifespan import LifespanManager


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed (scripts/ensure-redis.sh installs it)", pytrace=False
        )
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start", pytrace=False)
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
async def replicas(
    tmp_path,
    pg_database,
    redis_url,
    kit,  # type: ignore[no-untyped-def]
) -> AsyncIterator[list[tuple[object, httpx2.AsyncClient]]]:
    from streetlevel.gateway import migrate

    await migrate.upgrade_async(pg_database)
    async with AsyncExitStack() as stack:
        out = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            settings = kit.settings(
                tmp_path / name,
                mode="distributed",
                bus="memory",
                database_url=pg_database,
                redis_url=redis_url,
            )
            app = create_app(settings, services=[])
            await stack.enter_async_context(LifespanManager(app))
            http = await stack.enter_async_context(
                httpx2.AsyncClient(
                    transport=httpx2.ASGITransport(app=app), base_url=f"http://{name}"
                )
            )
            out.append((app, http))
        yield out


async def test_a_client_quota_is_shared_by_every_replica(replicas) -> None:  # type: ignore[no-untyped-def]
    (app_a, a), (_app_b, b) = replicas
    client, secret = await app_a.gateway.clients.create(  # type: ignore[attr-defined]
        kind="app", name="quota", rate_limit="4/minute"
    )
    token = (
        await a.post(
            "/oauth/token", auth=(client.id, secret), data={"grant_type": "client_credentials"}
        )
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = []
    for http in (a, b, a, b, a, b):
        statuses.append((await http.get("/v1/events", headers=headers)).status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]
    last = await b.get("/v1/events", headers=headers)
    assert last.headers["RateLimit-Remaining"] == "0"
    assert int(last.headers["Retry-After"]) > 0
