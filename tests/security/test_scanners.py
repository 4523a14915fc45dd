"""Scanners: no private value in any public output, no stack trace or SQL in any error."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from decimal import Decimal

from streetlevel_e2e_harness.api import Api, Exchange
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.world import World

LEAKS = ("Traceback", "SELECT ", "INSERT ", "sqlalchemy", "asyncpg", 'File "/')
INTERNAL_TYPES = ("outcomes.observation.",)


async def public_outputs(api: Api, world: World) -> list[Exchange]:
    """Every open-data surface, fetched anonymously (recorded on the api as it goes)."""
    ids = world.ids
    start = len(api.exchanges)
    await api.items("/v1/enterprises", limit=200)
    for fmt in ("csv", "ndjson", "hsds"):
        await api.get("/v1/enterprises/export", params={"format": fmt}, expect=200)
    for fmt in ("csv", "ndjson"):
        await api.get("/v1/reports/export", params={"format": fmt}, expect=200)
    await api.items("/v1/events", limit=200)
    ocds = (await api.get("/v1/ocds/releases", params={"limit": 200}, expect=200)).json()
    assert ocds["releases"]
    for commission in await api.items("/v1/commissions", limit=200):
        cid = commission["id"]
        await api.get(f"/v1/commissions/{cid}", expect=200)
        await api.items(f"/v1/commissions/{cid}/questions")
        await api.get(f"/v1/commissions/{cid}/bids")
        for lot in commission["lots"]:
            await api.get(f"/v1/commissions/{cid}/lots/{lot['id']}/ranking")
        await api.get(f"/v1/ocds/records/{commission['ocid']}", expect=200)
    for contract in await api.items("/v1/contracts", limit=200):
        cid = contract["id"]
        await api.get(f"/v1/contracts/{cid}/payments", expect=200)
        await api.get(f"/v1/reports/contracts/{cid}/progress")
        await api.get(f"/v1/reports/contracts/{cid}/social-value")
        await api.get("/v1/plans", params={"contract_id": cid})
    for area in ("E06000009", "E05015186", "E01012663", "E01012664"):
        await api.get(f"/v1/reports/areas/{area}", expect=200)
    for key in ("cic", "charity", "sole"):
        eid = world.cast.enterprises[key].enterprise_id
        await api.get(f"/v1/enterprises/{eid}", expect=200)
        await api.get(f"/v1/enterprises/{eid}/social-enterprise-check")
    await api.get(f"/v1/ocds/releases/{ids['release_id']}", expect=200)
    return api.exchanges[start:]


async def test_no_private_value_reaches_any_public_output(gateway: Api, world: World) -> None:
    fetched = await public_outputs(gateway, world)
    public = [e for e in gateway.exchanges if e.actor is None and e.status < 300]
    assert len(public) >= len(fetched) > 25
    secrets = world.secrets.values()
    assert len(secrets) >= 15
    leaks = [
        f"{e.method} {e.path}: {value}"
        for e in public
        for value in secrets
        if value.encode() in e.body
    ]
    assert not leaks, "\n".join(leaks)
    sole = world.cast.enterprises["sole"].enterprise_id
    assert not any(b"Quietlane" in e.body for e in public), f"home address of {sole} leaked"


async def test_the_server_sent_change_feed_carries_no_private_value(
    gateway: Api, world: World
) -> None:
    collected = b""
    headers = {"Accept": "text/event-stream", "Last-Event-ID": "0"}
    async with gateway.http.stream("GET", "/v1/events", headers=headers) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                async for chunk in resp.aiter_bytes():
                    collected += chunk
                    if collected.count(b"\nid: ") >= 100:
                        break
    assert collected.count(b"id: ") >= 20, collected[:500]
    leaked = [v for v in world.secrets.values() if v.encode() in collected]
    assert not leaked


async def test_no_public_figure_of_a_sensitive_count_is_between_1_and_4(gateway: Api) -> None:
    sensitive = {
        i["code"] for i in await gateway.items("/v1/indicators", limit=200) if i["sensitive"]
    }
    ndjson = await gateway.get("/v1/reports/export", params={"format": "ndjson"}, expect=200)
    rows = [json.loads(line) for line in ndjson.text.splitlines() if line.strip()]
    text = await gateway.get("/v1/reports/export", params={"format": "csv"}, expect=200)
    rows += list(csv.DictReader(io.StringIO(text.text)))
    figures = [r for r in rows if r["indicator_code"] in sensitive and r["value"] not in (None, "")]
    assert figures, "the export has published figures to check"
    for row in figures:
        value = Decimal(row["value"])
        assert not 0 < value < 5, row
        assert value % 5 == 0, row
    feed = await gateway.items("/v1/events", limit=200)
    assert not [e["type"] for e in feed if any(t in e["type"] for t in INTERNAL_TYPES)]


async def test_no_error_carries_a_stack_trace_or_sql(
    gateway: Api, world: World, platform: Platform
) -> None:
    nasty = [
        ("POST", "/v1/enterprises", b'{"name": "broken json'),
        ("POST", "/v1/enterprises", b'{"name": "nul\\u0000byte", "legal_form": "sole_trader"}'),
        ("POST", "/v1/commissions", b'{"value": {"amount": 1e999999}}'),
        ("POST", "/v1/observations", b'{"value": 99999999999999999999999999999999999999}'),
        ("GET", "/v1/enterprises/not-a-uuid", b""),
        ("GET", "/v1/commissions/%00", b""),
        ("GET", "/v1/contracts/" + "9" * 300, b""),
        ("GET", "/v1/enterprises?cursor=%ZZ%00garbage", b""),
        ("GET", "/v1/events?cursor=-1", b""),
        ("GET", "/v1/ocds/records/ocds-%E2%80%AE%00", b""),
        ("GET", "/v1/areas?type=" + "'; DROP TABLE areas; --", b""),
        ("PATCH", f"/v1/enterprises/{world.ids['enterprise_id']}", b"[1, 2, 3]"),
    ]
    actor = world.cast.enterprises["cic"]
    for base in (platform.gateway_url, platform.url("registry"), platform.url("commissioning")):
        api = gateway if base == platform.gateway_url else Api.over(base)
        for method, path, body in nasty:
            headers = {"Content-Type": "application/json"}
            resp = await api.call(method, path, actor, content=body, headers=headers)
            assert resp.status_code < 500, (base, method, path, resp.status_code, resp.text[:300])
        if api is not gateway:
            gateway.exchanges += api.exchanges
            await api.close()
    errors = [e for e in gateway.exchanges if e.status >= 400]
    assert len(errors) >= 3 * len(nasty)
    found = [
        f"{e.method} {e.path} {e.status}: {marker}"
        for e in errors
        for marker in LEAKS
        if marker.encode() in e.body
    ]
    assert not found, "\n".join(found[:20])
    not_problems = [
        f"{e.method} {e.path} {e.status} {e.content_type}"
        for e in errors
        if e.path != "/oauth/token" and not e.content_type.startswith("application/problem+json")
    ]
    assert not not_problems, "\n".join(not_problems[:20])
    without_id = [e for e in errors if e.path != "/oauth/token" and b"request_id" not in e.body]
    assert not without_id, [(e.method, e.path, e.status) for e in without_id[:10]]
