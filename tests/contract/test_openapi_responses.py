"""Every body the demo platform answers with matches the schema the merged document gives it.

The routes render their bodies directly (fast, and streamed where it matters); their response
models are documentation. This test keeps that documentation true: it reads every GET of the
demo data as the public, the buyer council, the supplier enterprise and the registrar, and
validates each 2xx body (each line of an NDJSON stream) against the documented schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import pytest_asyncio
from jsonschema import Draft202012Validator

from streetlevel.platform.embedded import create_app
from streetlevel.testing.lifespan import LifespanManager

from .platform import settings

PRINCIPALS = ("anonymous", "council", "supplier", "registrar")


class Demo:
    """The demo platform, its merged document and a bearer header per principal."""

    def __init__(self, http: httpx2.AsyncClient, document: dict[str, Any]) -> None:
        self.http = http
        self.document = document
        self.headers: dict[str, dict[str, str]] = {"anonymous": {}}
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in document["paths"]
        ]
        self.checked: dict[str, int] = {}

    async def login(self, name: str, client: dict[str, str]) -> None:
        response = await self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        response.raise_for_status()
        self.headers[name] = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def operation(self, url: str) -> tuple[str, dict[str, Any]]:
        path = url.split("?")[0]
        # Literal paths win over templates (/v1/enterprises/export over /{enterprise_id}).
        if path in self.document["paths"]:
            return path, self.document["paths"][path]["get"]
        for regex, template in self.templates:
            if regex.match(path) and "get" in self.document["paths"][template]:
                return template, self.document["paths"][template]["get"]
        raise AssertionError(f"{path} is not in the document")

    def validate(self, url: str, media: str, body: Any) -> None:
        template, operation = self.operation(url)
        content = operation["responses"]["200"]["content"]
        assert media in content, (url, media, list(content))
        schema = content[media]["schema"]
        validator = Draft202012Validator({**schema, "components": self.document["components"]})
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)
        ]
        assert errors == [], (url, errors[:5])
        self.checked[template] = self.checked.get(template, 0) + 1

    async def read(self, url: str, who: str = "anonymous") -> Any:
        response = await self.http.get(url, headers=self.headers[who])
        if response.status_code != 200:
            return None
        media = response.headers["content-type"].split(";")[0]
        if media == "application/x-ndjson":
            for line in response.text.splitlines():
                self.validate(url, media, json.loads(line))
            return None
        if media != "application/json":
            return response.text
        body = response.json()
        self.validate(url, media, body)
        return body


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    data_dir: Path = tmp_path_factory.mktemp("demo-platform")
    app = create_app(settings(data_dir), demo=True)
    async with LifespanManager(app, startup_timeout=300, shutdown_timeout=30):
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.9", 4711))
        async with httpx2.AsyncClient(transport=transport, base_url="http://demo.test") as http:
            document = (await http.get("/openapi.json")).json()
            made = json.loads((data_dir / "demo-clients.json").read_text())
            demo = Demo(http, document)
            await demo.login("council", made["clients"]["council"])
            await demo.login("registrar", made["clients"]["registrar"])
            await demo.login("supplier", made["enterprises"][0])
            # A webhook to read (a public address literal: no DNS; its deliveries just fail).
            created = await http.post(
                "/v1/webhooks",
                json={"url": "https://93.184.215.14/hooks", "filters": {"areas": ["E06000009"]}},
                headers=demo.headers["council"],
            )
            assert created.status_code == 201, created.text
            await seed_grant(demo)
            yield demo


async def seed_grant(demo: Demo) -> None:
    """A ward grant round (the demo data has none): a programme, an application, an award."""
    http, council = demo.http, demo.headers["council"]
    programme = await http.post(
        "/v1/grant-programmes",
        json={
            "title": "Contract ward fund",
            "description": "Small grants",
            "areas": ["E05015186"],
            "criteria": ["local"],
            "budget": {"amount": "2000.00"},
            "max_grant": {"amount": "1000.00"},
        },
        headers=council,
    )
    assert programme.status_code == 201, programme.text
    pid = programme.json()["id"]
    applied = await http.post(
        "/v1/grant-applications",
        json={
            "programme_id": pid,
            "amount_requested": {"amount": "500.00"},
            "purpose": "Planters",
            "people_reached": 30,
        },
        headers=demo.headers["supplier"],
    )
    assert applied.status_code == 201, applied.text
    decided = await http.post(
        f"/v1/grant-programmes/{pid}/decisions",
        json={
            "method": "panel",
            "panel": ["Panel chair"],
            "results": [
                {
                    "application_id": applied.json()["id"],
                    "result": "awarded",
                    "amount": {"amount": "500.00"},
                }
            ],
        },
        headers=council,
    )
    assert decided.status_code == 201, decided.text


async def _everything(demo: Demo, who: str) -> None:
    read = demo.read
    await read("/.well-known/jwks.json", who)
    await read("/.well-known/oauth-authorization-server", who)
    await read("/v1/events?limit=50", who)
    await read("/v1/themes", who)
    await read("/v1/areas?limit=5", who)
    await read("/v1/areas/E06000009", who)
    enterprises = (await read("/v1/enterprises?limit=20", who))["items"]
    for enterprise in enterprises[:3]:
        for tail in ("", "/history", "/social-enterprise-check"):
            await read(f"/v1/enterprises/{enterprise['id']}{tail}", who)
    for fmt in ("ndjson", "hsds", "csv"):
        await read(f"/v1/enterprises/export?format={fmt}", who)
    for commission in (await read("/v1/commissions", who))["items"]:
        cid = commission["id"]
        await read(f"/v1/commissions/{cid}", who)
        await read(f"/v1/commissions/{cid}/questions", who)
        bids = await read(f"/v1/commissions/{cid}/bids", who)
        for bid in (bids or {"items": []})["items"]:
            await read(f"/v1/commissions/{cid}/bids/{bid['id']}", who)
        for lot in commission["lots"]:
            await read(f"/v1/commissions/{cid}/lots/{lot['id']}/ranking", who)
            await read(f"/v1/commissions/{cid}/lots/{lot['id']}/panel", who)
    for contract in (await read("/v1/contracts", who))["items"]:
        kid = contract["id"]
        await read(f"/v1/contracts/{kid}", who)
        await read(f"/v1/contracts/{kid}/payments", who)
        await read(f"/v1/contracts/{kid}/changes", who)
        await read(f"/v1/contracts/{kid}/payables", who)
        buyer = contract["buyer"]["id"]
        await read(f"/v1/payment-performance/{buyer}", who)
        await read(f"/v1/payment-performance/{buyer}/ocds", who)
        lot_url = f"/v1/commissions/{contract['commission_id']}/lots/{contract['lot']['id']}"
        await read(f"{lot_url}/summaries/{contract['supplier']['enterprise_id']}", who)
        await read(f"/v1/ocds/records/{contract['ocid']}", who)
        await read(f"/v1/reports/contracts/{kid}/progress", who)
        await read(f"/v1/reports/contracts/{kid}/social-value", who)
        observations = await read(f"/v1/observations?contract_id={kid}", who)
        for observation in (observations or {"items": []})["items"][:3]:
            await read(f"/v1/observations/{observation['id']}", who)
    for notice in (await read("/v1/notices?limit=5", who))["items"]:
        await read(f"/v1/notices/{notice['id']}", who)
    await read("/v1/notice-submissions", who)
    for programme in (await read("/v1/grant-programmes", who))["items"]:
        await read(f"/v1/grant-programmes/{programme['id']}", who)
        await read(f"/v1/grant-programmes/{programme['id']}/decisions", who)
    for application in (await read("/v1/grant-applications", who))["items"]:
        await read(f"/v1/grant-applications/{application['id']}", who)
    for grant in (await read("/v1/grants", who))["items"]:
        await read(f"/v1/grants/{grant['id']}", who)
    await read("/v1/grants/360giving", who)
    releases = (await read("/v1/ocds/releases?limit=5", who))["releases"]
    for release in releases[:2]:
        await read(f"/v1/ocds/releases/{release['id']}", who)
    indicators = (await read("/v1/indicators?limit=5", who))["items"]
    await read(f"/v1/indicators/{indicators[0]['code']}", who)
    for plan in (await read("/v1/plans", who))["items"]:
        await read(f"/v1/plans/{plan['id']}", who)
    await read("/v1/reports/areas/E06000009", who)
    for fmt in ("ndjson", "csv"):
        await read(f"/v1/reports/export?format={fmt}", who)
    clients = await read("/v1/admin/clients", who)
    for client in (clients or {"items": []})["items"][:2]:
        await read(f"/v1/admin/clients/{client['client_id']}", who)
    await read("/v1/admin/councils", who)
    await read("/v1/me/events?limit=20", who)
    for hook in ((await read("/v1/webhooks", who)) or {"items": []})["items"]:
        await read(f"/v1/webhooks/{hook['id']}", who)
        await read(f"/v1/webhooks/{hook['id']}/deliveries", who)


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_every_demo_read_matches_its_documented_schema(demo: Demo, who: str) -> None:
    await _everything(demo, who)
    assert len(demo.checked) >= 20


async def test_the_demo_reads_cover_every_get_of_the_document(demo: Demo) -> None:
    for who in PRINCIPALS:
        await _everything(demo, who)
    gets = {path for path, item in demo.document["paths"].items() if "get" in item}
    assert gets - set(demo.checked) == set()
