"""Distributed mode: the gateway on PostgreSQL and Kafka, upstreams as real uvicorn servers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import uvicorn

from streetlevel.gateway import migrate
from streetlevel.gateway.app import create_app
from streetlevel.gateway.routing import ServiceSpec
from streetlevel.testing.lifespan import LifespanManager


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """``app`` on a free loopback port; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="auto")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no start event
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _load(session: aiohttp.ClientSession, url: str, seconds: float, workers: int) -> int:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            async with session.get(url) as response:
                await response.read()
                assert response.status == 200
                done += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return done


async def test_the_gateway_proxies_to_real_upstreams_and_reports_its_overhead(
    tmp_path, pg_database, kafka_bootstrap, topic_prefix, kit
) -> None:
    await migrate.upgrade_async(pg_database)
    echo = kit.Echo()
    async with serving(kit.echo_app(echo)) as upstream_url:
        settings = kit.settings(
            tmp_path,
            mode="distributed",
            database_url=pg_database,
            bus="kafka",
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            rate_limit_anonymous="1000000/minute",
            upstream_read_timeout_s=0.5,
        )
        spec = ServiceSpec(
            name="echo", prefixes=("/v1/echo", "/v1/slow", "/v1/echo-auth"), url=upstream_url
        )
        app = create_app(settings, services=[spec])
        async with serving(app) as gateway_url, aiohttp.ClientSession() as http:
            async with http.put(f"{gateway_url}/v1/echo/a?b=1", data=b"x" * 10) as response:
                assert response.status == 200
                assert await response.json() == {"path": "a", "method": "PUT", "size": 10}
                assert response.headers["RateLimit-Limit"] == "1000000"
            assert echo.last_headers["x-forwarded-for"] == "127.0.0.1"
            async with http.get(f"{gateway_url}/v1/slow/stream") as response:
                assert (await response.text()).count("chunk") == 5
            async with http.get(f"{gateway_url}/v1/slow/hang") as response:
                assert response.status == 504
            echo.hang.set()
            async with http.get(f"{gateway_url}/readyz") as response:
                assert response.status == 200
            echo.live = False  # its own orchestrator restarts it; the gateway stays ready
            async with http.get(f"{gateway_url}/readyz") as response:
                assert response.status == 200
            echo.live = True
            direct = await _load(http, f"{upstream_url}/v1/echo/bench", 2.0, 16)
            proxied = await _load(http, f"{gateway_url}/v1/echo/bench", 2.0, 16)
            print(
                f"\nproxy overhead: direct {direct / 2:.0f} req/s, via gateway "
                f"{proxied / 2:.0f} req/s, ratio {proxied / direct:.2f}"
            )
            assert proxied > 0


async def test_an_unreachable_upstream_is_a_502_then_the_breaker_opens(
    tmp_path, pg_database, kafka_bootstrap, topic_prefix, kit
) -> None:
    await migrate.upgrade_async(pg_database)
    settings = kit.settings(
        tmp_path,
        mode="distributed",
        database_url=pg_database,
        bus="kafka",
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        breaker_failures=3,
        upstream_retries=0,
    )
    spec = ServiceSpec(name="echo", prefixes=("/v1/echo",), url="http://127.0.0.1:9")
    app = create_app(settings, services=[spec])
    async with LifespanManager(app):
        import httpx2

        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://gw") as http:
            statuses = [(await http.get("/v1/echo/x")).status_code for _ in range(4)]
            assert statuses == [502, 502, 502, 503]
            not_ready = await http.get("/readyz")  # an upstream that does not answer at all
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["echo"].startswith("unavailable")
