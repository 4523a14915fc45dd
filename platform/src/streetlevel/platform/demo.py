"""Demo data on first start, created through the public API so the seed exercises the contract.

Seed facts (``data/demo.json``): Blackpool Council and its 21 wards (ONS WD24), the LSOAs of
Anchorsholme, Bispham and Bloomfield, and a dozen social enterprises. ``STREETLEVEL_AREAS_FILE``
(an ONS lookup CSV) replaces the seed areas with the whole file, loaded by the registry itself.
The council's commissions: a micro-grant whose outcomes are reported and paid, and one
commission at each Procurement Act stage (open, evaluation, standstill, entered with its UK7),
and a ward micro-grant round outside procurement (a residents' vote, grants paid, an end report).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import logging
import os
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

import httpx2
from starlette.types import Receive, Scope, Send

from streetlevel.commissioning import demo as commissioning_demo
from streetlevel.commissioning import demo_grants, demo_stages
from streetlevel.common.clock import ShiftedClock
from streetlevel.common.errors import Conflict
from streetlevel.gateway.wiring import Gateway
from streetlevel.outcomes import demo as outcomes_demo

log = logging.getLogger(__name__)
SEED_AREAS_FILE = "seed-areas.csv"
CREDENTIALS_FILE = "demo-clients.json"
#: The council whose area the demo's story takes place in.
BLACKPOOL = "GB-LAE-BPL"
#: Where the demo council's webhook points: a receiver of your own on this machine (loopback
#: targets are accepted only outside production, and only for the demo).
DEMO_RECEIVER = "http://127.0.0.1:8787/streetlevel-webhook"


class Platform(Protocol):
    """What the demo needs of the embedded platform: its gateway, its services' clock, its app."""

    gateway: Gateway
    service_clock: ShiftedClock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


@cache
def seed_data() -> dict[str, Any]:
    """The demo's facts: councils, the Blackpool LAD, its wards and LSOAs, the enterprises."""
    data: dict[str, Any] = json.loads(
        files("streetlevel.platform").joinpath("data/demo.json").read_text(encoding="utf-8")
    )
    return data


def enterprises() -> list[dict[str, Any]]:
    """The registration bodies of the demo's social enterprises."""
    return list(seed_data()["enterprises"])


def credentials_path(platform: Platform) -> Path:
    return platform.gateway.settings.data_dir / CREDENTIALS_FILE


def write_seed_areas(data_dir: Path) -> Path:
    """The seed facts as a ``code,name,type,parent_code`` list every service can load."""
    path = Path(data_dir) / SEED_AREAS_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["code", "name", "type", "parent_code"])
            data = seed_data()
            lad = data["lad"]["code"]
            writer.writerow([lad, data["lad"]["name"], "lad", ""])
            writer.writerows([c, n, "ward", lad] for c, n in data["wards"].items())
            writer.writerows([c, a["name"], "lsoa", a["ward"]] for c, a in data["lsoas"].items())
    return path


async def seed(platform: Platform) -> dict[str, Any]:
    """Create the demo on first start (idempotent); print where to look and how to log in."""
    path = credentials_path(platform)
    if path.exists():
        demo: dict[str, Any] = json.loads(path.read_text())
    else:
        demo = await _create(platform)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(demo, handle, indent=2)
    _announce(platform, demo)
    return demo


async def _client(platform: Platform, kind: Any, name: str, **extra: Any) -> dict[str, str]:
    client, secret = await platform.gateway.clients.create(kind=kind, name=name, **extra)
    return {"name": name, "kind": kind, "client_id": client.id, "client_secret": secret}


async def _create(platform: Platform) -> dict[str, Any]:
    gateway = platform.gateway
    for council in seed_data()["councils"]:
        with contextlib.suppress(Conflict):
            await gateway.clients.add_council(**council)
    clients = {
        "registrar": await _client(platform, "registrar", "Demo registrar"),
        "council": await _client(platform, "council", "Blackpool Council", org=BLACKPOOL),
        "app": await _client(platform, "app", "Demo open-data app"),
    }
    enterprises = []
    names = {s.name for s in gateway.services}
    # The story starts months ago and is replayed up to today: every date it leaves is past.
    history = {"commissioning", "outcomes", "registry"} <= names
    if history:
        platform.service_clock.start_history(gateway.clock.now() - HISTORY)
    try:
        if "registry" in names:
            enterprises = await _register_enterprises(platform, clients["registrar"])
        commissions: dict[str, str] = {}
        grants: dict[str, Any] = {}
        paid = 0
        if len(enterprises) >= 3 and history:
            commissions, paid = await _commission_and_measure(
                platform, clients["council"], enterprises[:3]
            )
        if commissions:
            grants = await _grant_round(platform, clients["council"], enterprises)
    finally:
        platform.service_clock.present()
    if commissions:
        commissions["open"] = await _open_commission(platform, clients["council"])
        commissions.update(await _award_today(platform, clients["council"], commissions))
    webhook = (
        await _demo_webhook(platform, clients["council"]) if "notifications" in names else None
    )
    return {
        "clients": clients,
        "enterprises": enterprises,
        "commissions": commissions,
        "invoices_paid": paid,
        "grants": grants,
        "webhook": webhook,
    }


async def _demo_webhook(platform: Platform, council: dict[str, str]) -> dict[str, str]:
    """The demo council's webhook, paused until a receiver listens at ``DEMO_RECEIVER``."""
    async with _http(platform) as http:
        auth = _bearer(await _token(http, council))
        created = await http.post(
            "/v1/webhooks",
            json={"url": DEMO_RECEIVER, "description": "Demo: Blackpool Council's receiver"},
            headers=auth,
        )
        created.raise_for_status()
        body = created.json()
        paused = await http.patch(
            f"/v1/webhooks/{body['id']}", json={"status": "paused"}, headers=auth
        )
        paused.raise_for_status()
    return {"id": body["id"], "url": body["url"], "secret": body["secret"]}


#: The demo contract pays for local hires (an outcome, sensitive: disclosure control shows).
DEMO_INDICATOR = "jobs.local_hires"
#: The Procurement Act stages the demo leaves, as announced at start.
STAGES = (
    ("open", "open for bids (UK4)"),
    ("evaluation", "in evaluation (panel, a conflict)"),
    ("standstill", "in standstill (UK6, summaries sent)"),
    ("entered", "awarded, contract entered (UK7)"),
)
#: How long ago the demo's story begins: two quarters of the contract have ended by today.
HISTORY = timedelta(days=230)


async def _commission_and_measure(
    platform: Platform, council: dict[str, str], bidders: list[dict[str, str]]
) -> tuple[dict[str, str], int]:
    """The awarded contract, its outcomes (their invoices paid on time), the Act stages' past."""
    clock = platform.service_clock
    bidder = bidders[0]

    async def travel_to(when: datetime) -> None:
        clock.travel_to(when)
        await asyncio.sleep(0)

    async with _http(platform) as http:
        council_auth = _bearer(await _token(http, council))
        bidder_auth = _bearer(await _token(http, bidder))
        made: dict[str, str] = {}
        # The theme list and the indicator catalogue reach commissioning as events.
        for _ in range(100):
            try:
                made = await commissioning_demo.seed_history(
                    http,
                    council=council_auth,
                    bidder=bidder_auth,
                    indicator_code=DEMO_INDICATOR,
                    wait=asyncio.sleep,
                    travel_to=travel_to,
                    now=clock.now(),
                )
                break
            except httpx2.HTTPStatusError as exc:
                if exc.response.status_code not in (422, 503):
                    raise
                await asyncio.sleep(0.1)
        if not made:
            log.warning("demo: commissions not created (themes or indicators not delivered)")
            return {}, 0
        stage_bidders = [(b["enterprise_id"], _bearer(await _token(http, b))) for b in bidders[1:3]]
        made |= await demo_stages.seed_stages(
            http,
            council=council_auth,
            bidders=stage_bidders,
            wait=asyncio.sleep,
            travel_to=travel_to,
            now=clock.now(),
            present=platform.gateway.clock.now(),
        )
        # The plan follows the contract's event: wait for it, then report and verify.
        for _ in range(100):
            plans = await http.get(
                "/v1/plans", params={"contract_id": made["contract"]}, headers=council_auth
            )
            if plans.status_code == 200 and plans.json()["items"]:
                break
            await asyncio.sleep(0.1)
        outcomes_app = next(s.app for s in platform.gateway.services if s.name == "outcomes")
        present = platform.gateway.clock.now()
        paid = 0

        async def pay(contract_id: str, verified_at: datetime) -> None:
            nonlocal paid  # each quarter's invoices, paid before the clock moves on
            paid += await commissioning_demo.pay_after_verification(
                http,
                council=council_auth,
                contract_id=contract_id,
                verified_at=verified_at,
                present=present,
                travel_to=travel_to,
                wait=asyncio.sleep,
            )

        await outcomes_demo.seed_demo(
            outcomes_app, travel_to=travel_to, present=present, after_verified=pay
        )
    return made, paid


async def _grant_round(
    platform: Platform, council: dict[str, str], enterprises: list[dict[str, str]]
) -> dict[str, Any]:
    """The ward micro-grant round (outside procurement), at the end of the replayed past."""
    clock = platform.service_clock

    async def travel_to(when: datetime) -> None:
        clock.travel_to(when)
        await asyncio.sleep(0)

    async with _http(platform) as http:
        by_name = {e["name"]: e for e in enterprises}
        applicants = {
            name: _bearer(await _token(http, by_name[name])) for name in demo_grants.APPLICATIONS
        }
        made: dict[str, Any] = await demo_grants.seed_grants(
            http,
            council=_bearer(await _token(http, council)),
            applicants=applicants,
            wait=asyncio.sleep,
            travel_to=travel_to,
            now=clock.now(),
            present=platform.gateway.clock.now(),
        )
    return made


async def _open_commission(platform: Platform, council: dict[str, str]) -> str:
    """The open commission, published today (after the replayed history)."""
    async with _http(platform) as http:
        council_auth = _bearer(await _token(http, council))
        opened: str = await commissioning_demo.seed_open(
            http,
            council=council_auth,
            indicator_code=DEMO_INDICATOR,
            now=platform.service_clock.now(),
        )
    return opened


async def _award_today(
    platform: Platform, council: dict[str, str], commissions: dict[str, str]
) -> dict[str, str]:
    """The evaluated commission awarded today: its UK6 is today's, its standstill ahead."""
    if "standstill" not in commissions:
        return {}
    async with _http(platform) as http:
        council_auth = _bearer(await _token(http, council))
        contract = await demo_stages.award_today(
            http, council=council_auth, cid=commissions["standstill"]
        )
    return {"standstill_contract": contract}


async def _register_enterprises(
    platform: Platform, registrar: dict[str, str]
) -> list[dict[str, str]]:
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    out = []
    async with _http(platform) as http:
        admin = await _token(http, registrar)
        for body in enterprises():
            client = await _client(platform, "enterprise", body["name"])
            token = await _token(http, client)
            created = await http.post("/v1/enterprises", json=body, headers=_bearer(token))
            created.raise_for_status()
            enterprise_id = created.json()["id"]
            verified = await http.post(
                f"/v1/enterprises/{enterprise_id}/verification",
                json={"decision": "verified", "note": "Demo data"},
                headers=_bearer(admin),
            )
            verified.raise_for_status()
            out.append({**client, "enterprise_id": enterprise_id})
    return out


async def _token(http: httpx2.AsyncClient, client: dict[str, str]) -> str:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _http(platform: Platform) -> httpx2.AsyncClient:
    """A client of the whole platform in-process (the edge, not a socket)."""
    transport = httpx2.ASGITransport(app=platform)
    return httpx2.AsyncClient(transport=transport, base_url="http://demo")


def _announce(platform: Platform, demo: dict[str, Any]) -> None:
    s = platform.gateway.settings
    base = s.public_base_url
    # The site's URL comes first: it is where a resident (or anyone trying the demo) starts.
    lines = [
        "",
        f"Street Level's public site: {base}/  (the Blackpool demo: {base}/areas/E06000009)",
        f"Street Level is running at {base}",
        f"  API docs:     {base}/docs  (guide for developers: {base}/developers)",
        f"  Change feed:  {base}/v1/events",
        f"  Event contract (AsyncAPI 3.0): {base}/asyncapi.json",
        f"  Data dir:     {s.data_dir}",
        "  Demo clients (POST /oauth/token with HTTP Basic client_id:client_secret):",
    ]
    for role, client in demo["clients"].items():
        lines.append(f"    {role:<10} {client['client_id']}  {client['client_secret']}")
    if demo["enterprises"]:
        first = demo["enterprises"][0]
        lines.append(
            f"    enterprise {first['client_id']}  {first['client_secret']}  ({first['name']}; "
            f"{len(demo['enterprises'])} enterprise clients in {credentials_path(platform)})"
        )
    stages = demo.get("commissions") or {}
    if "standstill" in stages:
        lines.append("  Procurement Act stages (Blackpool; see docs/procurement.md):")
        for key, label in STAGES:
            lines.append(f"    {label:<36} {base}/commissions/{stages[key]}")
    if demo.get("invoices_paid"):
        lines += [
            f"  Payments (see docs/payments.md): {demo['invoices_paid']} outcome invoices paid "
            "within 30 days;",
            f"    the council's UK8 figures: {base}/v1/payment-performance/{BLACKPOOL}",
        ]
    if grants := demo.get("grants"):
        ward = demo_grants.GRANT_WARDS[1]
        lines += [
            "  Ward micro-grants (outside procurement; see docs/grants.md):",
            f"    a residents' vote, {len(grants['grants'])} grants paid upfront, one end report "
            f"{base}/areas/{ward}",
            f"    360Giving: {base}/v1/grants/360giving",
        ]
    if webhook := demo.get("webhook"):
        lines += [
            f"  Demo webhook (Blackpool Council): {webhook['id']} -> {webhook['url']}",
            f"    paused; signing secret {webhook['secret']}; start a receiver there, then",
            f'    PATCH {base}/v1/webhooks/{webhook["id"]} {{"status": "active"}} as the council',
        ]
    print("\n".join(lines) + "\n", flush=True)
