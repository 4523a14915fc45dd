"""HTTP at the gateway, for every operation of the merged OpenAPI (embedded platform, demo data).

HEAD parity, 304 on ``If-None-Match``, 405 with a complete ``Allow``, gzip round trips, and
401/403 before 422 on every protected write (docs/http.md).
"""

from __future__ import annotations

import re
import uuid
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
import pytest_asyncio

from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager

from .platform import Platform, settings

PROBLEMS = "https://streetlevel.org/problems/"
WRITES = ("post", "put", "patch", "delete")
#: Streamed bodies: no digest is taken of them, so they carry no ETag (docs/http.md).
STREAMED = ("application/x-ndjson", "text/csv", "text/event-stream")
#: Headers that must be the same on HEAD as on GET (the rest are per request).
SAME = ("content-type", "content-length", "content-encoding", "etag", "vary", "cache-control")
INVALID = {"__not_a_field__": True}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    app = create_app(settings(tmp_path_factory.mktemp("http-edge")), demo=True)
    async with LifespanManager(app, startup_timeout=180, shutdown_timeout=30):
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.10", 4711))
        async with httpx2.AsyncClient(transport=transport, base_url="http://platform.test") as http:
            platform = Platform(app, http)
            document = (await http.get("/openapi.json")).json()
            yield {
                "platform": platform,
                "http": http,
                "document": document,
                "params": await _params(http),
            }


async def _first(http: httpx2.AsyncClient, path: str, key: str = "items") -> dict[str, Any]:
    response = await http.get(path)
    assert response.status_code == 200, (path, response.text)
    items = response.json()[key]
    assert items, f"the demo has no {path}"
    first: dict[str, Any] = items[0]
    return first


async def _params(http: httpx2.AsyncClient) -> dict[str, str]:
    """Real values for the path parameters the demo data has public resources for."""
    commission = await _first(http, "/v1/commissions")
    contract = await _first(http, "/v1/contracts")
    release = await _first(http, "/v1/ocds/releases", "releases")
    return {
        "enterprise_id": (await _first(http, "/v1/enterprises"))["id"],
        "commission_id": commission["id"],
        "lot_id": commission["lots"][0]["id"],
        "contract_id": contract["id"],
        "ocid": release["ocid"],
        "release_id": release["id"],
        "/v1/areas/{code}": "E06000009",
        "/v1/reports/areas/{code}": "E06000009",
        "/v1/indicators/{code}": "jobs.local_hires",
    }


def _fill(path: str, params: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return params.get(path) or params.get(match.group(1)) or str(uuid.uuid4())

    return re.sub(r"\{([^}]+)\}", value, path)


def _operations(document: dict[str, Any], methods: tuple[str, ...]) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in document["paths"].items()
        for method in methods
        if method in item
    ]


def _scopes(operation: dict[str, Any]) -> set[str]:
    """The scopes the document says the operation needs (empty: none named)."""
    requirements = operation.get("security") or []
    if any(not r for r in requirements):
        return set()
    named = [set(scopes) for r in requirements for scopes in r.values() if scopes]
    return set.union(*named) if named else set()


async def test_head_answers_every_get_with_its_headers_and_no_body(world: dict[str, Any]) -> None:
    http: httpx2.AsyncClient = world["http"]
    checked = 0
    for _, path in _operations(world["document"], ("get",)):
        url = _fill(path, world["params"])
        for coding in ("identity", "gzip"):
            got = await http.get(url, headers={"Accept-Encoding": coding})
            head = await http.head(url, headers={"Accept-Encoding": coding})
            assert head.status_code == got.status_code, (path, coding, got.text)
            assert head.content == b"", path
            for name in SAME:
                assert head.headers.get(name) == got.headers.get(name), (path, coding, name)
            checked += got.status_code == 200
    assert checked >= 40  # most GETs were answered with a real resource, not a 404


async def test_every_public_get_has_an_etag_and_304s_on_if_none_match(
    world: dict[str, Any],
) -> None:
    http: httpx2.AsyncClient = world["http"]
    public = 0
    for _, path in _operations(world["document"], ("get",)):
        url = _fill(path, world["params"])
        first = await http.get(url)
        media = first.headers.get("content-type", "")
        if first.status_code != 200 or media.startswith(STREAMED):
            continue
        public += 1
        tag = first.headers.get("etag")
        assert tag, f"{path} has no ETag"
        again = await http.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304, (path, again.text)
        assert again.content == b""
        assert again.headers["etag"] == tag
    assert public >= 20


async def test_an_unsupported_method_is_405_with_the_complete_allow(world: dict[str, Any]) -> None:
    http: httpx2.AsyncClient = world["http"]
    for path, item in world["document"]["paths"].items():
        served = {m.upper() for m in item if m in ("get", *WRITES)}
        missing = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in served)
        response = await http.request(missing, _fill(path, world["params"]), json=INVALID)
        assert response.status_code == 405, (missing, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == PROBLEMS + "method-not-allowed"
        expected = served | {"OPTIONS"} | ({"HEAD"} if "GET" in served else set())
        allow = set(response.headers["allow"].split(", "))
        # Complete: every documented method. A literal segment may also match a sibling's
        # parameter (``/v1/enterprises/export`` and ``/{enterprise_id}``), whose methods the
        # router then serves there too.
        assert expected <= allow, path
        assert missing not in allow, path
        options = await http.options(_fill(path, world["params"]))
        assert options.status_code == 204
        assert options.headers["allow"] == response.headers["allow"]


async def test_bodies_above_a_kilobyte_round_trip_gzipped(world: dict[str, Any]) -> None:
    http: httpx2.AsyncClient = world["http"]
    compressed = 0
    for _, path in _operations(world["document"], ("get",)):
        url = _fill(path, world["params"])
        plain = await http.get(url, headers={"Accept-Encoding": "identity"})
        if plain.status_code != 200 or len(plain.content) < 1024:
            continue
        assert "Accept-Encoding" in plain.headers["vary"], path
        request = http.build_request("GET", url, headers={"Accept-Encoding": "gzip"})
        packed = await http.send(request, stream=True)
        raw = b"".join([chunk async for chunk in packed.aiter_raw()])
        await packed.aclose()
        assert packed.headers.get("content-encoding") == "gzip", path
        assert len(raw) < len(plain.content), path
        unpacked = zlib.decompress(raw, 31)
        if plain.headers["content-type"].startswith(STREAMED):
            # An export states when it was made: compare its rows, not its bytes.
            assert unpacked.count(b"\n") == plain.content.count(b"\n"), path
        else:
            assert unpacked == plain.content, path
        compressed += 1
    assert compressed >= 10


async def test_protected_writes_refuse_401_then_403_before_validating_the_body(
    world: dict[str, Any],
) -> None:
    platform: Platform = world["platform"]
    http: httpx2.AsyncClient = world["http"]
    scopeless = await platform.bearer("app")  # a valid token that holds no scope
    scoped = 0
    for method, path in _operations(world["document"], WRITES):
        if path == "/oauth/token":
            continue
        url = _fill(path, world["params"])
        anonymous = await http.request(method, url, json=INVALID)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.json()["type"] == PROBLEMS + "unauthorized"
        forged = await http.request(
            method, url, json=INVALID, headers={"Authorization": "Bearer not.a.token"}
        )
        assert forged.status_code == 401, (method, path)
        needed = _scopes(world["document"]["paths"][path][method])
        if needed:
            refused = await http.request(method, url, json=INVALID, headers=scopeless)
            assert refused.status_code == 403, (method, path, refused.text)
            assert refused.json()["type"] == PROBLEMS + "forbidden"
            scoped += 1
    assert scoped >= 15
