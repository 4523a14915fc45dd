"""The edge middleware and the service shell: request ids, caching, CORS, limits, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import MetaData
from starlette.responses import JSONResponse, Response

from streetlevel.common.context import current_request_id
from streetlevel.common.etags import digest_tag
from streetlevel.common.metrics import REGISTRY
from streetlevel.common.outbox import outbox_table
from streetlevel.common.problems import install_problem_handlers
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import build_service_app
from streetlevel.common.settings import CommonSettings
from streetlevel.common.web import SECURITY_HEADERS, EdgeMiddleware
from streetlevel.testing.lifespan import LifespanManager

LIMIT = 1024


def edge_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "request_id": current_request_id()}

    @app.get("/fresh")
    async def fresh() -> Response:
        return JSONResponse({}, headers={"Cache-Control": "no-cache"})

    @app.get("/spoof")
    async def spoof() -> Response:
        return JSONResponse({}, headers={"X-Request-ID": "from-the-route"})

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(EdgeMiddleware, service="edge-test", max_body_bytes=LIMIT)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=edge_app())
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_a_well_formed_request_id_is_echoed_and_bound(client: httpx2.AsyncClient) -> None:
    response = await client.get("/items/1", headers={"X-Request-ID": "council-abc.123:x"})

    assert response.headers["x-request-id"] == "council-abc.123:x"
    assert response.json()["request_id"] == "council-abc.123:x"


@pytest.mark.parametrize(
    "bad", ["a" * 300, "line\nbreak", "spaces are not allowed", "<script>", "ünïcode"]
)
async def test_a_malformed_request_id_is_replaced(client: httpx2.AsyncClient, bad: str) -> None:
    response = await client.get("/items/1", headers={b"X-Request-ID": bad.encode()})

    rid = response.headers["x-request-id"]
    assert rid != bad
    assert len(rid) == 32
    assert response.json()["request_id"] == rid


async def test_a_request_id_is_generated_when_absent(client: httpx2.AsyncClient) -> None:
    first = await client.get("/items/1")
    second = await client.get("/items/1")

    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_route_cannot_override_the_request_id(client: httpx2.AsyncClient) -> None:
    response = await client.get("/spoof", headers={"X-Request-ID": "mine"})

    assert response.headers.get_list("x-request-id") == ["mine"]


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/items/1", {}),
        ("GET", "/items/1", {"Authorization": "Bearer x"}),
        ("POST", "/raw", {}),
        ("GET", "/nowhere", {}),
    ],
)
async def test_every_response_varies_on_authorization_and_has_security_headers(
    client: httpx2.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = await client.request(method, path, headers=headers)

    assert "Authorization" in response.headers.get_list("vary")
    for name, value in SECURITY_HEADERS:
        assert response.headers[name.decode()] == value.decode()
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_an_anonymous_get_is_public_and_cors_open(client: httpx2.AsyncClient) -> None:
    response = await client.get("/items/1")

    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert "access-control-allow-credentials" not in response.headers
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
    # A browser app on another origin can read the deprecation policy's headers too.
    assert {"X-Request-ID", "ETag", "Link", "Deprecation", "Sunset"} <= exposed


async def test_an_anonymous_get_keeps_the_routes_own_cache_policy(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.get("/fresh")

    assert response.headers.get_list("cache-control") == ["no-cache"]


async def test_an_anonymous_error_is_not_cached_publicly(client: httpx2.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert "cache-control" not in response.headers


async def test_an_authenticated_response_is_private_and_not_cors_open(
    client: httpx2.AsyncClient,
) -> None:
    for path in ("/items/1", "/fresh"):
        response = await client.get(path, headers={"Authorization": "Bearer anything"})

        assert response.headers.get_list("cache-control") == ["private, no-store"]
        assert "access-control-allow-origin" not in response.headers


async def test_an_anonymous_write_is_not_cors_open(client: httpx2.AsyncClient) -> None:
    response = await client.post("/raw", content=b"{}")

    assert "access-control-allow-origin" not in response.headers
    assert "cache-control" not in response.headers


async def test_a_declared_body_above_the_limit_is_refused_with_413(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(
        "/raw", content=b"x" * (LIMIT + 1), headers={"X-Request-ID": "big-1"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/payload-too-large")
    assert problem["status"] == 413
    assert problem["request_id"] == "big-1"


async def test_a_body_at_the_limit_is_accepted(client: httpx2.AsyncClient) -> None:
    response = await client.post("/raw", content=b"x" * LIMIT)

    assert response.status_code == 200
    assert response.json() == {"size": LIMIT}


async def _chunks(count: int, size: int = 400) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield b"x" * size


async def test_a_streamed_body_above_the_limit_is_refused_with_413(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post("/raw", content=_chunks(4))

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["type"].endswith("/payload-too-large")


async def test_a_streamed_body_within_the_limit_is_read(client: httpx2.AsyncClient) -> None:
    response = await client.post("/raw", content=_chunks(2))

    assert response.json() == {"size": 800}


async def test_a_preflight_allows_only_reads(client: httpx2.AsyncClient) -> None:
    response = await client.options(
        "/items/1",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert allowed == {"GET", "HEAD"}
    assert "access-control-allow-credentials" not in response.headers
    assert "Authorization" not in response.headers["access-control-allow-headers"]


async def test_requests_are_counted_by_route_template(client: httpx2.AsyncClient) -> None:
    labels = {"service": "edge-test", "method": "GET", "route": "/items/{item_id}", "status": "200"}
    before = REGISTRY.get_sample_value("streetlevel_http_requests_total", labels) or 0.0

    await client.get("/items/1")
    await client.get("/items/2")

    assert REGISTRY.get_sample_value("streetlevel_http_requests_total", labels) == before + 2


def test_an_etag_is_strong_and_stable() -> None:
    tag = digest_tag({"id": "a", "version": 3})

    assert tag.startswith('"')
    assert tag.endswith('"')
    assert not tag.startswith("W/")
    assert tag == digest_tag({"id": "a", "version": 3})
    assert tag != digest_tag({"id": "a", "version": 4})
    assert digest_tag(b"raw") == digest_tag(b"raw") != digest_tag(b"other")


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    metadata = MetaData()
    settings = CommonSettings(
        service_name="shell-test", database_url=f"sqlite+aiosqlite:///{tmp_path}/shell.db"
    )
    rt = Runtime(settings, outbox=outbox_table(metadata))
    async with rt.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield rt
    await rt.engine.dispose()


@pytest.fixture
async def shell(runtime: Runtime) -> AsyncIterator[httpx2.AsyncClient]:
    app = build_service_app(runtime, title="Shell", description="test", routers=[])
    async with LifespanManager(app) as manager:
        transport = httpx2.ASGITransport(app=manager.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_the_shell_answers_livez_and_readyz(shell: httpx2.AsyncClient) -> None:
    live = await shell.get("/livez")
    ready = await shell.get("/readyz")

    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "bus": "ok"}}
    assert "x-request-id" in ready.headers


async def test_readyz_is_a_503_problem_when_a_dependency_fails(
    runtime: Runtime, shell: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(runtime, "check_database", broken)

    response = await shell.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["type"].endswith("/upstream-unavailable")
    assert body["checks"] == {"database": "unavailable: ConnectionRefusedError", "bus": "ok"}
    assert "database down" not in response.text


async def test_the_shell_serves_prometheus_metrics(shell: httpx2.AsyncClient) -> None:
    await shell.get("/livez")

    response = await shell.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'streetlevel_http_requests_total{method="GET",route="/livez"' in response.text
