"""The single-record GET's fast lane answers exactly as the route, and only what it should."""

from __future__ import annotations

from fastapi import HTTPException

from streetlevel.common.service import get_principal


async def _registered(api, body) -> str:
    council = api.tokens.bearer(api.tokens.council())
    created = await api.client.post("/v1/enterprises", json=body(), headers=council)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_the_lane_and_the_route_send_the_same_bytes_and_headers(api, body) -> None:
    enterprise_id = await _registered(api, body)
    registrar = api.tokens.bearer(api.tokens.registrar())
    # The hyphenless spelling is valid for the route but not canonical, so the lane leaves it.
    lane = await api.client.get(f"/v1/enterprises/{enterprise_id}", headers=registrar)
    route = await api.client.get(
        f"/v1/enterprises/{enterprise_id.replace('-', '')}", headers=registrar
    )
    assert lane.status_code == route.status_code == 200
    assert lane.content == route.content
    for name in (
        "etag",
        "content-type",
        "content-length",
        "cache-control",
        "x-content-type-options",
    ):
        assert lane.headers.get(name) == route.headers.get(name), name
    assert lane.json()["contact"]["email"] == "hello@revoe-kitchen.example.org"


async def test_the_lane_serves_a_canonical_get_without_the_routes_dependencies(api, body) -> None:
    enterprise_id = await _registered(api, body)

    async def refuse() -> None:
        raise HTTPException(status_code=418, detail="the route's dependencies ran")

    api.app.dependency_overrides[get_principal] = refuse
    registrar = api.tokens.bearer(api.tokens.registrar())
    lane = await api.client.get(f"/v1/enterprises/{enterprise_id}", headers=registrar)
    route = await api.client.get(
        f"/v1/enterprises/{enterprise_id.replace('-', '')}", headers=registrar
    )
    assert lane.status_code == 200  # the lane is active: FastAPI's dependencies never ran
    assert route.status_code == 418


async def test_what_the_lane_declines_gets_the_routes_problem_responses(api, body) -> None:
    enterprise_id = await _registered(api, body)
    anonymous = await api.client.get(f"/v1/enterprises/{enterprise_id}")
    assert anonymous.status_code == 404  # pending: hidden from the public, as the route says
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    forged = await api.client.get(
        f"/v1/enterprises/{enterprise_id}", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    registrar = api.tokens.bearer(api.tokens.registrar())
    etag = (await api.client.get(f"/v1/enterprises/{enterprise_id}", headers=registrar)).headers[
        "etag"
    ]
    cached = await api.client.get(
        f"/v1/enterprises/{enterprise_id}", headers={**registrar, "If-None-Match": etag}
    )
    assert cached.status_code == 304
    assert cached.headers["etag"] == etag
