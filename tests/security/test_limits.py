"""No mass assignment, bounded pages and bodies, and rate limits that say when to come back."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest
from streetlevel_e2e_harness.actors import new_client
from streetlevel_e2e_harness.api import Api
from streetlevel_e2e_harness.blackpool import commission_body
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.world import World

ENTERPRISE = {"name": "Mass Assign Group", "legal_form": "unincorporated_association"}


async def test_forbidden_and_unknown_fields_are_refused_not_assigned(
    gateway: Api, world: World
) -> None:
    cast, ids = world.cast, world.ids
    council, supplier = cast.blackpool, cast.enterprises["cic"]
    commission = commission_body(datetime.now(UTC), enquiry_s=3600, tender_s=7200)
    observation = {
        "plan_id": ids["plan_id"],
        "indicator_code": "jobs.local_hires",
        "period": {"start": "2030-01-01", "end": "2030-01-31"},
        "area": "E05015186",
        "value": "10",
    }
    attempts = [
        (
            "POST",
            "/v1/enterprises",
            cast.councils["GB-LAE-FYL"],
            {**ENTERPRISE, "status": "verified"},
        ),
        ("POST", "/v1/enterprises", cast.councils["GB-LAE-FYL"], {**ENTERPRISE, "id": "x"}),
        ("POST", "/v1/enterprises", cast.councils["GB-LAE-FYL"], {**ENTERPRISE, "version": 9}),
        ("PATCH", f"/v1/enterprises/{ids['enterprise_id']}", supplier, {"status": "verified"}),
        ("PATCH", f"/v1/enterprises/{ids['enterprise_id']}", supplier, {"id": "other"}),
        ("POST", "/v1/commissions", council, {**commission, "status": "awarded"}),
        ("POST", "/v1/commissions", council, {**commission, "id": "mine"}),
        ("POST", "/v1/commissions", council, {**commission, "buyer": {"id": "GB-LAE-LAN"}}),
        ("PATCH", f"/v1/commissions/{world.draft_id}", council, {"status": "open"}),
        ("POST", "/v1/observations", supplier, {**observation, "status": "verified"}),
        ("POST", "/v1/observations", supplier, {**observation, "owner": "GB-LAE-BPL"}),
        ("PATCH", f"/v1/plans/{ids['plan_id']}", council, {"contract_id": "other"}),
        ("POST", "/v1/indicators", council, {"code": "x.y", "owner": "GB-LAE-LAN"}),
    ]
    failures = []
    for method, path, actor, body in attempts:
        resp = await gateway.call(method, path, actor, json=body)
        if resp.status_code != 422:
            failures.append(
                f"{method} {path} {sorted(body)[:3]}: {resp.status_code} {resp.text[:200]}"
            )
    assert not failures, "\n".join(failures)
    draft = (await gateway.get(f"/v1/commissions/{world.draft_id}", council, expect=200)).json()
    assert draft["status"] == "draft"


async def test_a_page_larger_than_200_is_refused_on_every_list(gateway: Api, world: World) -> None:
    spec = (await gateway.get("/openapi.json", expect=200)).json()
    lists = [
        path
        for path, ops in spec["paths"].items()
        if "{" not in path
        and any(p.get("name") == "limit" for p in ops.get("get", {}).get("parameters", []))
    ]
    assert len(lists) >= 8, lists
    failures = []
    council = world.cast.blackpool
    actors = {
        "/v1/admin/clients": world.cast.registrar,
        "/v1/observations": council,
        "/v1/notice-submissions": council,
        "/v1/me/events": council,
        "/v1/webhooks": council,
    }
    for path in lists:
        actor = actors.get(path)
        ok = await gateway.get(path, actor, params={"limit": 200})
        too_many = await gateway.get(path, actor, params={"limit": 201})
        if too_many.status_code != 422 or ok.status_code == 422:
            failures.append(f"{path}: limit=200 → {ok.status_code}, 201 → {too_many.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("where", ["gateway", "registry", "commissioning", "outcomes"])
async def test_an_oversized_body_is_refused_with_413(
    platform: Platform, world: World, gateway: Api, where: str
) -> None:
    actor = world.cast.councils["GB-LAE-FYL"]
    token = await gateway.login(actor)
    path = {
        "gateway": "/v1/enterprises",
        "registry": "/v1/enterprises",
        "commissioning": "/v1/commissions",
        "outcomes": "/v1/indicators",
    }[where]
    base = platform.gateway_url if where == "gateway" else platform.url(where)
    host, port = base.removeprefix("http://").split(":")
    status, head = await declare_huge_body(host, int(port), path, token, 2_000_000)
    assert status == 413, head
    assert "application/problem+json" in head.lower()


async def declare_huge_body(
    host: str, port: int, path: str, token: str, size: int
) -> tuple[int, str]:
    """Announce a body of size bytes, send a little of it, and read what the server says.

    A server may answer 413 and close before the body is read, which a normal client sees as
    a broken pipe; a raw socket reads the answer either way.
    """
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
            ).encode()
            + b'{"name": "'
            + b"x" * 65536
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        head = (await asyncio.wait_for(reader.read(4096), 30)).decode(errors="replace")
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(head.split(" ", 2)[1]), head


async def test_a_client_over_its_quota_gets_429_with_retry_after(
    gateway: Api, world: World
) -> None:
    app = await new_client(
        gateway, world.cast.registrar, "app", "tiny quota", rate_limit="3/minute"
    )
    statuses = []
    for _ in range(6):
        resp = await gateway.get("/v1/themes", app)
        statuses.append(resp.status_code)
        assert "ratelimit-limit" in resp.headers
    assert statuses[:3] == [200, 200, 200], statuses
    assert statuses[-1] == 429, statuses
    assert int(resp.headers["retry-after"]) > 0
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"].endswith("/rate-limited")
