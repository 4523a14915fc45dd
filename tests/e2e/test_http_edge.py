"""HTTP at the native stack's gateway: HEAD, 304, 405, gzip passed through once, auth first."""

from __future__ import annotations

import asyncio
import uuid
import zlib
from typing import Any

import httpx2
from streetlevel_e2e_harness.actors import Cast, new_client
from streetlevel_e2e_harness.api import Api

PROBLEMS = "https://streetlevel.org/problems/"
SAME = ("content-type", "content-length", "content-encoding", "etag", "vary", "cache-control")


async def _public_enterprise(gateway: Api, cast: Cast) -> str:
    body = {
        "name": f"Edge test group {uuid.uuid4().hex[:10]}",
        "legal_form": "unincorporated_association",
        "areas_served": ["E06000009"],
        "mission": "Testing the platform's HTTP edge. " * 20,  # a record above a kilobyte
    }
    created = (await gateway.post("/v1/enterprises", cast.blackpool, json=body, expect=201)).json()
    path = f"/v1/enterprises/{created['id']}/verification"
    await gateway.post(path, cast.registrar, json={"decision": "verified"}, expect=200)
    return f"/v1/enterprises/{created['id']}"


async def _raw(http: httpx2.AsyncClient, path: str) -> tuple[httpx2.Response, bytes]:
    response = await http.send(
        http.build_request("GET", path, headers={"Accept-Encoding": "gzip"}), stream=True
    )
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, raw


async def test_reads_through_the_gateway_have_head_etags_304_and_gzip_done_once(
    gateway: Api, cast: Cast
) -> None:
    http = gateway.http
    record = await _public_enterprise(gateway, cast)
    # A service's record (the registry's fast lane), lists, a gateway document of its own.
    for path in (record, "/v1/indicators", "/v1/areas/E06000009", "/openapi.json"):
        plain = await http.get(path, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200, (path, plain.text)
        assert len(plain.content) >= 1024, path
        head = await http.head(path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200
        assert head.content == b""
        for name in SAME:
            assert head.headers.get(name) == plain.headers.get(name), (path, name)
        tag = plain.headers["etag"]
        cached = await http.get(path, headers={"If-None-Match": tag})
        assert (cached.status_code, cached.content) == (304, b""), path
        packed, raw = await _raw(http, path)
        assert packed.headers["content-encoding"] == "gzip", path
        assert packed.headers["etag"] == tag
        assert packed.headers["vary"] == "Accept-Encoding, Authorization", path
        assert zlib.decompress(raw, 31) == plain.content, path  # compressed once, not twice
        assert int(packed.headers["content-length"]) == len(raw)
    assert (await http.get(record)).headers["etag"].startswith('"v')


async def test_an_export_streams_gzipped_and_its_head_ends_at_the_headers(gateway: Api) -> None:
    http = gateway.http
    packed, raw = await _raw(http, "/v1/enterprises/export?format=ndjson")
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-length" not in packed.headers
    zlib.decompress(raw, 31)  # one complete gzip member
    head = await asyncio.wait_for(
        http.head("/v1/enterprises/export?format=ndjson", headers={"Accept-Encoding": "gzip"}), 30
    )
    assert head.status_code == 200
    assert head.headers["content-encoding"] == "gzip"
    events = await http.get("/v1/events", headers={"Accept-Encoding": "gzip"})
    assert events.status_code == 200


async def test_a_wrong_method_is_405_with_a_complete_allow_at_the_service_and_the_gateway(
    gateway: Api,
) -> None:
    http = gateway.http
    cases = {
        "/v1/areas/E06000009": "GET, HEAD, OPTIONS",
        f"/v1/enterprises/{uuid.uuid4()}/history": "GET, HEAD, OPTIONS",
        "/v1/commissions": "GET, HEAD, OPTIONS, POST",
        "/oauth/token": "OPTIONS, POST",
    }
    for path, allow in cases.items():
        response = await http.put(path, json={})
        assert response.status_code == 405, (path, response.text)
        assert response.headers["allow"] == allow, path
        problem: dict[str, Any] = response.json()
        assert problem["type"] == PROBLEMS + "method-not-allowed"
        options = await http.options(path)
        assert (options.status_code, options.headers["allow"]) == (204, allow)


async def test_a_protected_write_answers_401_or_403_before_looking_at_its_body(
    gateway: Api, cast: Cast
) -> None:
    http = gateway.http
    app = await new_client(gateway, cast.registrar, "app", "edge scopeless app")
    token = await gateway.login(app)
    invalid = {"not_a_field": True}
    for method, path in (
        ("POST", "/v1/enterprises"),
        ("POST", "/v1/commissions"),
        ("POST", "/v1/observations"),
        ("POST", "/v1/admin/clients"),
    ):
        anonymous = await http.request(method, path, json=invalid)
        assert anonymous.status_code == 401, (path, anonymous.text)
        broken = await http.request(method, path, content=b"{not json")
        assert broken.status_code == 401, path
        scopeless = await http.request(
            method, path, json=invalid, headers={"Authorization": f"Bearer {token}"}
        )
        assert scopeless.status_code == 403, (path, scopeless.text)
        assert scopeless.json()["type"] == PROBLEMS + "forbidden"
