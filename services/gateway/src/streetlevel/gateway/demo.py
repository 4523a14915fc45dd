"""Demo data on first start, created through the public API so the seed exercises the contract.

Seed facts: Blackpool Council and its 21 wards (ONS WD24), the LSOAs of Anchorsholme, Bispham
and Bloomfield, and a dozen social enterprises. ``STREETLEVEL_AREAS_FILE`` (an ONS lookup CSV)
replaces the seed areas with the whole file, loaded by the registry itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import importlib
import json
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

from streetlevel.common.errors import Conflict

if TYPE_CHECKING:
    from streetlevel.gateway.app import Gateway

BLACKPOOL = ("GB-LAE-BPL", "Blackpool Council", "E06000009")
LANCASHIRE = ("GB-LAE-LAN", "Lancashire County Council", "E10000017")
log = logging.getLogger(__name__)
SEED_AREAS_FILE = "seed-areas.csv"
CREDENTIALS_FILE = "demo-clients.json"

WARDS = {
    "E05015186": "Anchorsholme",
    "E05015187": "Bispham",
    "E05015188": "Bloomfield",
    "E05015189": "Brunswick",
    "E05015190": "Claremont",
    "E05015191": "Clifton",
    "E05015192": "Greenlands",
    "E05015193": "Hawes Side",
    "E05015194": "Highfield",
    "E05015195": "Ingthorpe",
    "E05015196": "Layton",
    "E05015197": "Marton",
    "E05015198": "Norbreck",
    "E05015199": "Park",
    "E05015200": "Squires Gate",
    "E05015201": "Stanley",
    "E05015202": "Talbot",
    "E05015203": "Tyldesley",
    "E05015204": "Victoria",
    "E05015205": "Warbreck",
    "E05015206": "Waterloo",
}
#: LSOA → (name, best-fit ward) for Anchorsholme, Bispham and Bloomfield.
LSOAS = {
    "E01012662": ("Blackpool 002A", "E05015186"),
    "E01012663": ("Blackpool 001A", "E05015186"),
    "E01012664": ("Blackpool 001B", "E05015186"),
    "E01012665": ("Blackpool 001C", "E05015186"),
    "E01012666": ("Blackpool 003A", "E05015187"),
    "E01012667": ("Blackpool 003B", "E05015187"),
    "E01012668": ("Blackpool 003C", "E05015187"),
    "E01012669": ("Blackpool 003D", "E05015187"),
    "E01012670": ("Blackpool 011A", "E05015188"),
    "E01012671": ("Blackpool 013A", "E05015188"),
    "E01012672": ("Blackpool 013B", "E05015188"),
    "E01012673": ("Blackpool 010A", "E05015188"),
    "E01012674": ("Blackpool 013C", "E05015188"),
}


def _ent(
    name: str, form: str, scheme: str | None, number: str | None, themes: list[str], **more: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "legal_form": form, "themes": themes}
    if scheme is not None:
        body["identifier"] = {"scheme": scheme, "id": number}
    body.update(more)
    return body


ENTERPRISES = [
    _ent(
        "Anchorsholme Community Larder CIC",
        "cic_limited_by_guarantee",
        "GB-COH",
        "14230001",
        ["food"],
        areas_served=["E05015186"],
        employees=4,
        asset_lock=True,
        independent=True,
        trading_income_pct=62,
        profit_reinvested_pct=100,
        mission="Affordable fresh food for families in Anchorsholme.",
    ),
    _ent(
        "Bispham Green Skills CIC",
        "cic_limited_by_shares",
        "GB-COH",
        "14230002",
        ["environment", "employment-skills"],
        areas_served=["E05015187"],
        employees=9,
        asset_lock=True,
        mission="Green-skills traineeships for young adults.",
    ),
    _ent(
        "Bloomfield Youth Trust",
        "charitable_incorporated_organisation",
        "GB-CHC",
        "1190001",
        ["youth"],
        areas_served=["E05015188"],
        employees=12,
        mission="Youth work and holiday clubs in Bloomfield.",
    ),
    _ent(
        "Claremont Care Co-operative",
        "cooperative_society",
        "GB-MPR",
        "32001R",
        ["older-people", "health-wellbeing"],
        areas_served=["E05015190"],
        employees=30,
        mission="Worker-owned home care for older people.",
    ),
    _ent(
        "Talbot Community Energy",
        "community_benefit_society",
        "GB-MPR",
        "32002R",
        ["environment"],
        areas_served=["E05015202", "E05015204"],
        employees=3,
        mission="Rooftop solar owned by the community.",
    ),
    _ent(
        "Layton Money Matters",
        "charitable_company",
        "GB-COH",
        "14230003",
        ["financial-inclusion"],
        areas_served=["E05015196"],
        employees=7,
        mission="Free debt and benefits advice.",
    ),
    _ent(
        "Marton Men's Shed",
        "unincorporated_association",
        None,
        None,
        ["community-cohesion", "health-wellbeing"],
        areas_served=["E05015197"],
        mission="A workshop and a cuppa against loneliness.",
    ),
    _ent(
        "Squires Gate Wheels",
        "company_limited_by_guarantee",
        "GB-COH",
        "14230004",
        ["transport"],
        areas_served=["E05015200"],
        employees=5,
        mission="Community minibuses for people who cannot use the bus.",
    ),
    _ent(
        "Victoria Arts Studio",
        "cic_limited_by_guarantee",
        "GB-COH",
        "14230005",
        ["arts-culture", "youth"],
        areas_served=["E05015204"],
        employees=6,
        mission="Creative workshops for young people.",
    ),
    _ent(
        "Norbreck Digital Buddies",
        "partnership",
        None,
        None,
        ["digital-inclusion"],
        areas_served=["E05015198"],
        employees=2,
        mission="One-to-one help getting online.",
    ),
    _ent(
        "Warbreck Housing Support",
        "company_limited_by_shares",
        "GB-COH",
        "14230006",
        ["housing"],
        areas_served=["E05015205"],
        employees=15,
        mission="Tenancy sustainment for people leaving homelessness.",
    ),
    _ent(
        "Park Community Kitchen",
        "sole_trader",
        None,
        None,
        ["food", "employment-skills"],
        areas_served=["E05015199"],
        employees=1,
        mission="Cooking classes and a pay-as-you-feel cafe.",
    ),
]


def credentials_path(gateway: Gateway) -> Path:
    return gateway.settings.data_dir / CREDENTIALS_FILE


def write_seed_areas(data_dir: Path) -> Path:
    """The seed facts as a ``code,name,type,parent_code`` list every service can load."""
    path = Path(data_dir) / SEED_AREAS_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["code", "name", "type", "parent_code"])
            writer.writerow([BLACKPOOL[2], "Blackpool", "lad", ""])
            writer.writerows([c, n, "ward", BLACKPOOL[2]] for c, n in WARDS.items())
            writer.writerows([c, n, "lsoa", w] for c, (n, w) in LSOAS.items())
    return path


async def seed(gateway: Gateway) -> dict[str, Any]:
    """Create the demo on first start (idempotent); print where to look and how to log in."""
    path = credentials_path(gateway)
    if path.exists():
        demo: dict[str, Any] = json.loads(path.read_text())
    else:
        demo = await _create(gateway)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(demo, handle, indent=2)
    _announce(gateway, demo)
    return demo


async def _client(gateway: Gateway, kind: Any, name: str, **extra: Any) -> dict[str, str]:
    client, secret = await gateway.clients.create(kind=kind, name=name, **extra)
    return {"name": name, "kind": kind, "client_id": client.id, "client_secret": secret}


async def _create(gateway: Gateway) -> dict[str, Any]:
    for org_id, name, area in (BLACKPOOL, LANCASHIRE):
        with contextlib.suppress(Conflict):
            await gateway.clients.add_council(org_id=org_id, name=name, area=area)
    clients = {
        "registrar": await _client(gateway, "registrar", "Demo registrar"),
        "council": await _client(gateway, "council", "Blackpool Council", org=BLACKPOOL[0]),
        "app": await _client(gateway, "app", "Demo open-data app"),
    }
    enterprises = []
    names = {s.name for s in gateway.services}
    # The story starts months ago and is replayed up to today: every date it leaves is past.
    history = {"commissioning", "outcomes", "registry"} <= names
    if history:
        gateway.service_clock.start_history(gateway.clock.now() - HISTORY)
    try:
        if "registry" in names:
            enterprises = await _register_enterprises(gateway, clients["registrar"])
        commissions: dict[str, str] = {}
        if enterprises and history:
            commissions = await _commission_and_measure(gateway, clients["council"], enterprises[0])
    finally:
        gateway.service_clock.present()
    if commissions:
        commissions["open"] = await _open_commission(gateway, clients["council"])
    return {"clients": clients, "enterprises": enterprises, "commissions": commissions}


#: The demo contract pays for local hires (an outcome, sensitive: disclosure control shows).
DEMO_INDICATOR = "jobs.local_hires"
#: How long ago the demo's story begins: two quarters of the contract have ended by today.
HISTORY = timedelta(days=230)


async def _commission_and_measure(
    gateway: Gateway, council: dict[str, str], bidder: dict[str, str]
) -> dict[str, str]:
    """An awarded commission whose contract started months ago, and its verified outcomes."""
    from streetlevel.gateway.app import GatewayEdge

    commissioning = importlib.import_module("streetlevel.commissioning.demo")
    outcomes = importlib.import_module("streetlevel.outcomes.demo")
    clock = gateway.service_clock

    async def travel_to(when: datetime) -> None:
        clock.travel_to(when)
        await asyncio.sleep(0)

    transport = httpx2.ASGITransport(app=GatewayEdge(gateway))
    async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
        council_auth = _bearer(await _token(http, council))
        bidder_auth = _bearer(await _token(http, bidder))
        made: dict[str, str] = {}
        # The theme list and the indicator catalogue reach commissioning as events.
        for _ in range(100):
            try:
                made = await commissioning.seed_history(
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
            return {}
        # The plan follows the contract's event: wait for it, then report and verify.
        for _ in range(100):
            plans = await http.get(
                "/v1/plans", params={"contract_id": made["contract"]}, headers=council_auth
            )
            if plans.status_code == 200 and plans.json()["items"]:
                break
            await asyncio.sleep(0.1)
    outcomes_app = next(s.app for s in gateway.services if s.name == "outcomes")
    await outcomes.seed_demo(outcomes_app, travel_to=travel_to, present=gateway.clock.now())
    return made


async def _open_commission(gateway: Gateway, council: dict[str, str]) -> str:
    """The open commission, published today (after the replayed history)."""
    from streetlevel.gateway.app import GatewayEdge

    commissioning = importlib.import_module("streetlevel.commissioning.demo")
    transport = httpx2.ASGITransport(app=GatewayEdge(gateway))
    async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
        council_auth = _bearer(await _token(http, council))
        opened: str = await commissioning.seed_open(
            http,
            council=council_auth,
            indicator_code=DEMO_INDICATOR,
            now=gateway.service_clock.now(),
        )
    return opened


async def _register_enterprises(
    gateway: Gateway, registrar: dict[str, str]
) -> list[dict[str, str]]:
    from streetlevel.gateway.app import GatewayEdge

    logging.getLogger("httpx2").setLevel(logging.WARNING)
    transport = httpx2.ASGITransport(app=GatewayEdge(gateway))
    out = []
    async with httpx2.AsyncClient(transport=transport, base_url="http://demo") as http:
        admin = await _token(http, registrar)
        for body in ENTERPRISES:
            client = await _client(gateway, "enterprise", body["name"])
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


def _announce(gateway: Gateway, demo: dict[str, Any]) -> None:
    s = gateway.settings
    base = s.public_base_url
    lines = [
        "",
        f"Street Level is running at {base}",
        f"  Public site:  {base}/  (the Blackpool demo: {base}/areas/E06000009)",
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
            f"{len(demo['enterprises'])} enterprise clients in {credentials_path(gateway)})"
        )
    print("\n".join(lines) + "\n", flush=True)
