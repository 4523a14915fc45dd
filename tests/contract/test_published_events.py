"""The event contract as the running platform publishes it (EVENTS.md, API.md).

The embedded platform with its demo data: ``GET /asyncapi.json`` passes the official AsyncAPI
parser and names every public event type the services define; every ``dataschema`` resolves at
the gateway to the checked-in schema, byte for byte, and every event on the change feed is
valid against the schema fetched from there (never read from disk).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager

from .asyncapi import asyncapi_diagnostics, schema_errors
from .platform import BASE_URL, Platform, settings
from .snapshots import event_classes, event_schema_path

CLASSES = event_classes()
PUBLIC = sorted(t for t, cls in CLASSES.items() if cls.visibility == "public")
INTERNAL = sorted(t for t, cls in CLASSES.items() if cls.visibility == "internal")


@pytest.fixture(scope="session")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    """The embedded platform after its demo story: enterprises, tenders, a paid contract."""
    app = create_app(settings(tmp_path_factory.mktemp("demo-platform")), demo=True)
    async with LifespanManager(app, startup_timeout=180, shutdown_timeout=30):
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.10", 4712))
        async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield Platform(app, http)


async def _feed(http: httpx2.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "200"} | ({"cursor": cursor} if cursor else {})
        page = (await http.get("/v1/events", params=params)).json()
        if not page["items"]:
            return items
        items += page["items"]
        cursor = str(page["next_cursor"])


async def _settled_feed(http: httpx2.AsyncClient) -> list[dict[str, Any]]:
    """The feed once the demo's events stopped arriving (the relays are asynchronous)."""
    seen = -1
    for _ in range(100):
        items = await _feed(http)
        if len(items) == seen and any(i["type"].endswith("payments_updated.v1") for i in items):
            return items
        seen = len(items)
        await asyncio.sleep(0.2)
    return items


def _report(diagnostics: list[dict[str, str]]) -> list[dict[str, str]]:
    for d in diagnostics:
        if d["severity"] in ("warning", "information", "hint"):
            warnings.warn(f"AsyncAPI {d['severity']} {d['code']}: {d['message']}", stacklevel=2)
    return [d for d in diagnostics if d["severity"] == "error"]


async def test_the_public_asyncapi_document_passes_the_official_parser(demo: Platform) -> None:
    response = await demo.http.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")
    document = response.json()
    assert document["asyncapi"].startswith("3.0")
    assert _report(asyncapi_diagnostics(document)) == []


async def test_the_operators_variant_passes_the_parser_and_needs_the_admin_scope(
    demo: Platform,
) -> None:
    assert (await demo.http.get("/v1/admin/asyncapi.json")).status_code == 401
    council = await demo.http.get("/v1/admin/asyncapi.json", headers=await demo.council())
    assert council.status_code == 403
    admin = await demo.bearer("registrar")
    response = await demo.http.get("/v1/admin/asyncapi.json", headers=admin)
    assert response.status_code == 200
    document = response.json()
    assert "outcomes.observation.v1" in document["channels"]
    assert _report(asyncapi_diagnostics(document)) == []


async def test_the_parser_finds_errors_in_a_broken_document(demo: Platform) -> None:
    document = (await demo.http.get("/asyncapi.json")).json()
    document["channels"]["changeFeed"]["messages"]["ghost"] = {
        "$ref": "#/components/messages/ghost"
    }
    assert _report(asyncapi_diagnostics(document)) != []


async def test_every_public_event_type_in_the_code_is_in_the_asyncapi_document(
    demo: Platform,
) -> None:
    document = (await demo.http.get("/asyncapi.json")).json()
    messages = document["components"]["messages"]
    # Found again now that the running platform imported every module of every service.
    classes = event_classes()
    public = sorted(t for t, cls in classes.items() if cls.visibility == "public")
    assert public == PUBLIC
    assert sorted(set(public) - set(messages)) == [], "public event types missing from AsyncAPI"
    feed = document["channels"]["changeFeed"]["messages"]
    for event_type in public:
        cls = classes[event_type]
        channel = document["channels"][cls.topic]
        assert channel["address"] == cls.topic
        assert event_type in channel["messages"], f"{event_type} is not on {cls.topic}"
        assert event_type in feed, f"{event_type} is not on the change feed channel"
        assert messages[event_type]["name"] == cls.full_type()
        assert messages[event_type]["bindings"]["kafka"]["key"]["description"]
        data = messages[event_type]["payload"]["allOf"][1]["properties"]["data"]
        assert data == {"$ref": f"#/components/schemas/{event_type}"}
    # Nothing internal on the public surface, not even a mention.
    text = (await demo.http.get("/asyncapi.json")).text
    assert "outcomes.observation" not in text
    assert sorted(document["components"]["messages"]) == PUBLIC


async def test_the_operators_variant_adds_every_internal_event_type(demo: Platform) -> None:
    admin = await demo.bearer("registrar")
    document = (await demo.http.get("/v1/admin/asyncapi.json", headers=admin)).json()
    assert sorted(document["components"]["messages"]) == sorted(CLASSES)
    for event_type in INTERNAL:
        channel = document["channels"][CLASSES[event_type].topic]
        assert event_type in channel["messages"]
        assert event_type not in document["channels"]["changeFeed"]["messages"]
    key = document["components"]["messages"]["outcomes.observation.verified.v1"]["bindings"]
    assert "contract" in key["kafka"]["key"]["description"]


@pytest.mark.parametrize("event_type", PUBLIC)
async def test_a_public_schema_is_served_byte_for_byte_and_cacheable(
    demo: Platform, event_type: str
) -> None:
    response = await demo.http.get(f"/schemas/events/{event_type}.json")
    assert response.status_code == 200
    assert response.content == event_schema_path(event_type).read_bytes()
    assert response.headers["content-type"].startswith("application/schema+json")
    assert "max-age" in response.headers["cache-control"]
    assert response.headers["cache-control"].startswith("public")
    again = await demo.http.get(
        f"/schemas/events/{event_type}.json", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    "name", ["nothing.here.v1.json", "registry.enterprise.nope.v1.json", "registry.json", "x"]
)
async def test_an_unknown_schema_is_a_404_problem(demo: Platform, name: str) -> None:
    response = await demo.http.get(f"/schemas/events/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/problems/not-found")


@pytest.mark.parametrize("event_type", INTERNAL)
async def test_an_internal_schema_is_only_for_operators(demo: Platform, event_type: str) -> None:
    assert (await demo.http.get(f"/schemas/events/{event_type}.json")).status_code == 404
    path = f"/v1/admin/schemas/events/{event_type}.json"
    assert (await demo.http.get(path)).status_code == 401
    assert (await demo.http.get(path, headers=await demo.council())).status_code == 403
    response = await demo.http.get(path, headers=await demo.bearer("registrar"))
    assert response.status_code == 200
    assert response.content == event_schema_path(event_type).read_bytes()


async def test_every_event_on_the_feed_is_valid_against_the_schema_its_dataschema_names(
    demo: Platform,
) -> None:
    feed = await _settled_feed(demo.http)
    assert {e["type"].removeprefix("org.streetlevel.") for e in feed} >= {
        "registry.enterprise.registered.v1",
        "registry.enterprise.verified.v1",
        "commissioning.commission.published.v1",
        "commissioning.lot.awarded.v1",
        "commissioning.contract.created.v1",
        "commissioning.contract.payments_updated.v1",
        "outcomes.indicator.created.v1",
        "outcomes.plan.created.v1",
    }
    schemas: dict[str, dict[str, Any]] = {}
    failures = []
    for event in feed:
        url = event["dataschema"]
        short = event["type"].removeprefix("org.streetlevel.")
        assert url == f"{BASE_URL}/schemas/events/{short}.json", url
        if url not in schemas:
            response = await demo.http.get(url.removeprefix(BASE_URL))
            assert response.status_code == 200, url
            schemas[url] = response.json()
        failures += [f"{event['type']} {e}" for e in schema_errors(event["data"], schemas[url])]
    assert failures == []


async def test_a_schema_that_disagrees_with_an_event_is_caught(demo: Platform) -> None:
    feed = await _settled_feed(demo.http)
    event = next(e for e in feed if e["type"].endswith("lot.awarded.v1"))
    schema = (await demo.http.get(event["dataschema"].removeprefix(BASE_URL))).json()
    broken = {**event["data"], "price": {"amount": 35000, "currency": "GBP"}}
    assert schema_errors(broken, schema) != []


def test_the_feed_writer_consumes_exactly_the_public_topics_the_services_publish() -> None:
    from streetlevel.gateway.feed import PUBLIC_TOPICS

    public = {CLASSES[t].topic for t in PUBLIC}
    internal = {CLASSES[t].topic for t in INTERNAL}
    assert set(PUBLIC_TOPICS) == public
    assert not public & internal, "a topic carries public and internal types at once"


async def test_every_absolute_url_the_platform_emits_starts_with_its_public_base_url(
    demo: Platform,
) -> None:
    await _settled_feed(demo.http)
    page = await demo.http.get("/v1/ocds/releases", params={"limit": "1"})
    package = page.json()
    assert package["uri"] == f"{BASE_URL}/v1/ocds/releases?limit=1"
    assert package["publisher"]["uri"] == BASE_URL
    assert package["publicationPolicy"].startswith(BASE_URL + "/")
    assert page.headers["link"].startswith(f"<{BASE_URL}/v1/ocds/releases?")
    releases = (await demo.http.get("/v1/ocds/releases", params={"limit": "200"})).json()
    sources = [
        t["source"]
        for r in releases["releases"]
        for c in r.get("contracts", [])
        for t in c.get("implementation", {}).get("transactions", [])
    ]
    assert sources, "the demo's contract has published payments"
    assert all(s.startswith(f"{BASE_URL}/v1/contracts/") for s in sources)
    listed = await demo.http.get("/v1/enterprises", params={"limit": "1"})
    assert listed.headers["link"].startswith(f"<{BASE_URL}/v1/enterprises?")


async def test_a_ward_grant_round_reaches_the_change_feed_valid_and_without_contacts(
    demo: Platform,
) -> None:
    await _settled_feed(demo.http)
    council = await demo.council()
    listed = (await demo.http.get("/v1/enterprises", params={"limit": 50})).json()["items"]
    group = next(e for e in listed if e["status"] == "verified")
    applicant = await demo.bearer("enterprise", enterprise_id=group["id"])
    contact = "Feed contact 07700 900555"
    pid = (
        await demo.http.post(
            "/v1/grant-programmes",
            json={
                "title": "Feed ward fund",
                "description": "Small grants",
                "areas": ["E05015186"],
                "criteria": ["local"],
                "budget": {"amount": "1000.00"},
                "max_grant": {"amount": "1000.00"},
            },
            headers=council,
        )
    ).json()["id"]
    applied = await demo.http.post(
        "/v1/grant-applications",
        json={
            "programme_id": pid,
            "amount_requested": {"amount": "400.00"},
            "purpose": "Planters",
            "people_reached": 25,
            "contact": contact,
        },
        headers=applicant,
    )
    assert applied.status_code == 201, applied.text
    decided = await demo.http.post(
        f"/v1/grant-programmes/{pid}/decisions",
        json={
            "method": "residents_vote",
            "turnout": 60,
            "results": [
                {
                    "application_id": applied.json()["id"],
                    "result": "awarded",
                    "amount": {"amount": "400.00"},
                    "votes": {"for": 50, "against": 8},
                }
            ],
        },
        headers=council,
    )
    assert decided.status_code == 201, decided.text
    grant = decided.json()["grants"][0]
    gid = grant["id"]
    # Paid the day it was awarded: a payable's payment date lies between receipt and today.
    paid = await demo.http.post(
        f"/v1/grants/{gid}/instalments/1/paid",
        json={"paid_on": grant["awarded_on"], "reference": "FEED-REF-1"},
        headers=council,
    )
    assert paid.status_code == 200, paid.text
    wanted = {
        "commissioning.grant.programme_opened.v1",
        "commissioning.grant.decision_published.v1",
        "commissioning.grant.awarded.v1",
        "commissioning.grant.paid.v1",
    }
    mine: list[dict[str, Any]] = []
    for _ in range(100):
        feed = await _feed(demo.http)
        mine = [e for e in feed if e["subject"] in (f"grant-programme/{pid}", f"grant/{gid}")]
        if {e["type"].removeprefix("org.streetlevel.") for e in mine} >= wanted:
            break
        await asyncio.sleep(0.1)
    assert {e["type"].removeprefix("org.streetlevel.") for e in mine} == wanted
    for event in mine:
        schema = (await demo.http.get(event["dataschema"].removeprefix(BASE_URL))).json()
        assert schema_errors(event["data"], schema) == []
    text = str(mine)
    assert contact not in text
    assert "FEED-REF-1" not in text
