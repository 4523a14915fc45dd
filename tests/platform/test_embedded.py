"""The embedded platform: the gateway over the in-process services, the feed, merged OpenAPI."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx2
import jwt

from streetlevel.gateway.feed import prune

ENTERPRISE = {
    "name": "Bispham Green Skills CIC",
    "legal_form": "cic_limited_by_shares",
    "identifier": {"scheme": "GB-COH", "id": "14239999"},
    "themes": ["environment"],
    "contact": {"email": "hello@bispham.example"},
}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_request_to_a_mounted_service_is_logged_once(platform_factory) -> None:
    access = logging.getLogger("streetlevel.access")
    handler, level = _Records(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        async with platform_factory() as gw:
            handler.records.clear()
            response = await gw.http.get("/v1/enterprises", headers={"X-Request-ID": "once-1"})
            assert response.status_code == 200, response.text
            lines = [getattr(r, "http", {}) for r in handler.records]
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    # The gateway's edge writes the line; the registry's edge, mounted inside it, does not.
    assert [(line["path"], line["status"]) for line in lines] == [("/v1/enterprises", 200)]


async def test_an_enterprise_client_is_bound_to_the_enterprise_it_registers(
    platform_factory,
) -> None:
    async with platform_factory() as gw:
        assert {u.name for u in gw.gateway.upstreams} >= {"registry"}
        client_id, secret = await gw.client("enterprise")
        token = await gw.token(client_id, secret)
        created = await gw.http.post(
            "/v1/enterprises", json=ENTERPRISE, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        bound = await gw.gateway.clients.get(client_id)
        assert bound.enterprise_id == created.json()["id"]
        claims = jwt.decode(await gw.token(client_id, secret), options={"verify_signature": False})
        assert claims["enterprise_id"] == created.json()["id"]


async def test_a_client_asking_for_gzip_is_bound_too(platform_factory) -> None:
    # The gateway reads the created record itself, so it asks the registry for identity.
    body = {**ENTERPRISE, "mission": "Green skills for young people in Bispham. " * 40}
    async with platform_factory() as gw:
        client_id, secret = await gw.client("enterprise")
        token = await gw.token(client_id, secret)
        created = await gw.http.post(
            "/v1/enterprises",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"},
        )
        assert created.status_code == 201, created.text
        assert len(created.content) > 1024
        bound = await gw.gateway.clients.get(client_id)
        assert bound.enterprise_id == created.json()["id"]
        again = await gw.http.get(
            f"/v1/enterprises/{created.json()['id']}",
            headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"},
        )
        assert again.headers["content-encoding"] == "gzip"  # other requests are compressed


async def test_the_feed_shows_every_public_event_once_in_order_from_any_cursor(
    platform_factory,
) -> None:
    async with platform_factory() as gw:
        registrar = await gw.bearer()
        for i in range(3):
            headers = await gw.bearer("enterprise")
            body = {**ENTERPRISE, "identifier": {"scheme": "GB-COH", "id": f"1423900{i}"}}
            created = await gw.http.post("/v1/enterprises", json=body, headers=headers)
            verified = await gw.http.post(
                f"/v1/enterprises/{created.json()['id']}/verification",
                json={"decision": "verified"},
                headers=registrar,
            )
            assert verified.status_code == 200, verified.text
        # Six enterprise events, after the twelve theme codes the registry publishes at start.
        everything = await _caught_up(gw, registry_events=12 + 6)
        assert all(isinstance(e["position"], str) for e in everything)  # like the cursor
        positions = [int(e["position"]) for e in everything]
        assert positions == list(range(1, len(positions) + 1))
        registry = [e for e in everything if e["source"] == "/streetlevel/registry"]
        assert len([e for e in registry if e["subject"].startswith("enterprise/")]) == 6
        themes = [e for e in registry if e["subject"].startswith("theme/")]
        assert len(themes) == 12
        assert {e["type"] for e in themes} == {"org.streetlevel.registry.theme.defined.v1"}
        assert "hello@bispham.example" not in str(everything)
        assert not any("observation" in e["type"] for e in everything)
        for cursor in range(len(everything)):
            seen, after = [], cursor
            while True:
                page = (await gw.http.get(f"/v1/events?cursor={after}&limit=2")).json()
                if not page["items"]:
                    break
                seen.extend(page["items"])
                after = int(page["next_cursor"])
            # More events may arrive meanwhile: what was there is seen once, in order, then more.
            assert seen[: len(everything) - cursor] == everything[cursor:]
            assert [int(e["position"]) for e in seen] == list(
                range(cursor + 1, cursor + 1 + len(seen))
            )
        verified = (
            await gw.http.get("/v1/events?types=registry.enterprise.verified.v1&limit=200")
        ).json()["items"]
        assert len(verified) == 3
        assert all(e["type"].endswith("enterprise.verified.v1") for e in verified)
        stream = gw.gateway.feed.stream(
            after=positions[-2], types=None, poll_s=0.01, heartbeat_s=60, clock=lambda: 0.0
        )
        assert await anext(stream) == b"retry: 2000\n\n"
        frame = await anext(stream)
        assert frame.startswith(f"id: {positions[-1]}\n".encode())
        await stream.aclose()
        gw.gateway.clock.now()
        await prune(gw.gateway.engine, clock=_Later(gw.gateway), retention=timedelta(days=1))
        gone = await gw.http.get("/v1/events?cursor=1")
        assert gone.status_code == 410


async def _caught_up(gw, *, registry_events: int) -> list[dict]:
    # The relays deliver after commit, in the background: wait for the feed to catch up.
    for _ in range(200):
        items = (await gw.http.get("/v1/events?limit=200")).json()["items"]
        if sum(e["source"] == "/streetlevel/registry" for e in items) >= registry_events:
            return items
        await asyncio.sleep(0.02)
    raise AssertionError("the feed did not catch up")


class _Later:
    def __init__(self, gateway) -> None:
        self.gateway = gateway

    def now(self):
        return self.gateway.clock.now() + timedelta(days=2)


async def test_a_service_reached_directly_refuses_a_token_the_gateway_did_not_sign(
    platform_factory, forgery
) -> None:
    async with platform_factory() as gw:
        registry = next(u for u in gw.gateway.upstreams if u.name == "registry")
        key = await gw.gateway.keys.active()
        good = await gw.gateway.keys.sign(forgery.claims_for(gw.gateway, scope="registry:write"))
        bad = jwt.encode(
            forgery.claims_for(gw.gateway, aud="elsewhere"),
            key.private_key,
            algorithm="EdDSA",
            headers={"kid": key.kid},
        )
        transport = httpx2.ASGITransport(app=registry.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://registry") as direct:
            refused = await direct.post(
                "/v1/enterprises", json=ENTERPRISE, headers={"Authorization": f"Bearer {bad}"}
            )
            assert refused.status_code == 401
            accepted = await direct.get(
                "/v1/enterprises", headers={"Authorization": f"Bearer {good}"}
            )
            assert accepted.status_code == 200


async def test_the_merged_openapi_documents_every_service_with_security(platform_factory) -> None:
    async with platform_factory() as gw:
        doc = (await gw.http.get("/openapi.json")).json()
        assert doc["openapi"] == "3.1.0"
        assert "/oauth/token" in doc["paths"]
        assert "/v1/events" in doc["paths"]
        assert "/v1/enterprises" in doc["paths"]
        flows = doc["components"]["securitySchemes"]["oauth2"]["flows"]
        assert "registry:write" in flows["clientCredentials"]["scopes"]
        post = doc["paths"]["/v1/enterprises"]["post"]
        assert {"oauth2": ["registry:write"]} in post["security"]
        docs = await gw.http.get("/docs")
        assert "swagger" in docs.text.lower()
