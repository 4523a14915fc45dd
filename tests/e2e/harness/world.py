"""A small awarded, delivering commission with every kind of resource, for the security tests."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .actors import Cast
from .api import Actor, Api, eventually
from .blackpool import Secrets, commission_body, money, register_enterprises, wait_eligible
from .platform import Platform
from .story import LOT_A, LSOA_A1, LSOA_A2

TENDER_S = 20.0


@dataclass
class World:
    """Ids of one of everything, the six principals and the private values seeded."""

    cast: Cast
    secrets: Secrets
    ids: dict[str, str] = field(default_factory=dict)
    draft_id: str = ""
    pending_id: str = ""

    @property
    def principals(self) -> dict[str, Actor | None]:
        ent = self.cast.enterprises
        return {
            "council": self.cast.blackpool,
            "other_council": self.cast.lancashire,
            "enterprise": ent["cic"],
            "other_enterprise": ent["charity"],
            "registrar": self.cast.registrar,
            "anonymous": None,
        }


async def build_world(api: Api, shared: Cast, platform: Platform) -> World:
    # The world's own cast: stories that register enterprises later rebind the shared
    # cast's enterprise actors, and the world's principals must stay the ones it seeded.
    cast = Cast(shared.registrar, shared.councils, {})
    secrets = Secrets()
    records = await register_enterprises(api, cast, secrets)
    ent, council = cast.enterprises, cast.blackpool
    for key in ("cic", "coop", "charity", "sole"):
        await api.post(
            f"/v1/enterprises/{records[key]['id']}/verification",
            cast.registrar,
            json={"decision": "verified"},
            expect=200,
        )
    world = World(cast, secrets, pending_id=records["ineligible"]["id"])
    now = platform.now()
    body = commission_body(now, enquiry_s=TENDER_S - 5, tender_s=TENDER_S)
    cid = (await api.post("/v1/commissions", council, json=body, expect=201)).json()["id"]
    draft = commission_body(now, enquiry_s=3600, tender_s=7200)
    world.draft_id = (await api.post("/v1/commissions", council, json=draft, expect=201)).json()[
        "id"
    ]
    ocid = (await api.post(f"/v1/commissions/{cid}/publish", council, expect=200)).json()["ocid"]
    for key in ("cic", "coop"):
        await wait_eligible(api, ent[key], cid)
    qid = (
        await api.post(
            f"/v1/commissions/{cid}/questions", ent["coop"], json={"text": "Hours?"}, expect=201
        )
    ).json()["id"]
    bid_ids = {}
    for key, price in (("cic", "30000.00"), ("coop", "31000.00")):
        proposal = f"SEALED security proposal {key} {now.timestamp()}"
        secrets.proposals.append(proposal)
        made = await api.post(
            f"/v1/commissions/{cid}/bids",
            ent[key],
            json={"lot_id": LOT_A, "price": money(price), "proposal": proposal},
            expect=201,
        )
        bid_ids[key] = made.json()["id"]

    async def closed() -> bool:
        got = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
        return got["status"] == "evaluation"

    await eventually(closed, within=TENDER_S + 60, what="the tender to close")
    await api.post(
        f"/v1/commissions/{cid}/questions/{qid}/answer", council, json={"answer": "9-5"}, expect=200
    )
    for key in ("cic", "coop"):
        await api.put(
            f"/v1/commissions/{cid}/bids/{bid_ids[key]}/score",
            council,
            json={"quality": 70, "social_value": 70},
            expect=200,
        )
    contract = (
        await api.post(
            f"/v1/commissions/{cid}/lots/{LOT_A}/award",
            council,
            json={"bid_id": bid_ids["cic"]},
            expect=201,
        )
    ).json()
    await api.post(f"/v1/contracts/{contract['id']}/activate", council, expect=200)
    # A week of delivery: the contract starts (the scheduler activates it), a week ends.
    start_at = datetime.fromisoformat(contract["period"]["start"])
    await asyncio.to_thread(platform.travel_to, start_at + timedelta(days=8))

    async def active() -> bool:
        got = await api.get(f"/v1/contracts/{contract['id']}", council, expect=200)
        return bool(got.json()["status"] == "active")

    await eventually(active, within=60, what="the contract to start")

    async def plan() -> dict[str, Any] | None:
        found = await api.items("/v1/plans", council, contract_id=contract["id"])
        return found[0] if found else None

    the_plan = await eventually(plan, within=60, what="the plan")
    start = date.fromisoformat(contract["period"]["start"][:10])
    obs = await api.post(
        "/v1/observations",
        ent["cic"],
        json={
            "plan_id": the_plan["id"],
            "indicator_code": "jobs.local_hires",
            "period": {"start": start.isoformat(), "end": (start + timedelta(days=6)).isoformat()},
            "area": LSOA_A2,
            "value": "3",
            "evidence": "three starters",
        },
        expect=201,
    )
    # A larger figure next to the 3, so that something is published (and the 3 stays hidden).
    larger = await api.post(
        "/v1/observations",
        ent["cic"],
        json={
            "plan_id": the_plan["id"],
            "indicator_code": "jobs.local_hires",
            "period": {"start": start.isoformat(), "end": (start + timedelta(days=6)).isoformat()},
            "area": LSOA_A1,
            "value": "12",
        },
        expect=201,
    )
    for reported in (obs, larger):
        await api.post(
            f"/v1/observations/{reported.json()['id']}/verification",
            council,
            json={"decision": "verified"},
            expect=200,
        )

    async def payable() -> dict[str, Any] | None:
        got = await api.get(f"/v1/contracts/{contract['id']}/payables", council, expect=200)
        items: list[dict[str, Any]] = got.json()["items"]
        return items[0] if items else None

    # A verified outcome is a payable owed to the supplier (raised by the ledger's consumer).
    the_payable = await eventually(payable, within=60, what="a payable")
    releases = await api.get("/v1/ocds/releases", params={"limit": 1}, expect=200)
    # A published notice once the procurement cycle emits them; until then an unknown id
    # (the routes must still answer it: 404 to everyone, never a 5xx or a leak).
    notices = (await api.get("/v1/notices", params={"limit": 1}, expect=200)).json()["items"]
    # The council's webhook (a public address literal: no DNS; its deliveries simply fail).
    hook = await api.post(
        "/v1/webhooks",
        council,
        json={"url": "https://93.184.215.14/hooks", "filters": {"areas": ["E06000009"]}},
        expect=201,
    )
    grants = await seed_grant(api, world, records["cic"]["id"])
    world.ids = {
        "enterprise_id": records["cic"]["id"],
        "commission_id": cid,
        "question_id": qid,
        "bid_id": bid_ids["cic"],
        "lot_id": LOT_A,
        "contract_id": contract["id"],
        "plan_id": the_plan["id"],
        "observation_id": obs.json()["id"],
        "ocid": ocid,
        "release_id": releases.json()["releases"][0]["id"],
        "client_id": cast.enterprises["cic"].client_id,
        "notice_id": notices[0]["id"] if notices else "no-notice-published",
        "bidder_id": records["cic"]["id"],
        "member_id": "m1",
        "webhook_id": hook.json()["id"],
        **grants,
        "payable_id": the_payable["id"],
        "org_id": council.org or "",
    }
    secrets.webhook_secrets.append(hook.json()["secret"])
    return world


async def seed_grant(api: Api, world: World, enterprise_id: str) -> dict[str, str]:
    """A ward grant programme, the CIC's application (its contact a secret), a paid grant."""
    council, cic = world.cast.blackpool, world.cast.enterprises["cic"]
    programme = {
        "title": "Security ward fund",
        "description": "Small grants",
        "areas": ["E05015186"],
        "criteria": ["local"],
        "budget": money("3000.00"),
        "max_grant": money("1000.00"),
    }
    pid = (await api.post("/v1/grant-programmes", council, json=programme, expect=201)).json()["id"]
    contact = f"Grant contact 07700 9{str(uuid.uuid4().int)[:5]}"
    world.secrets.phones.append(contact)
    application = {
        "programme_id": pid,
        "amount_requested": money("900.00"),
        "purpose": "Planters",
        "people_reached": 40,
        "contact": contact,
    }
    aid = (await api.post("/v1/grant-applications", cic, json=application, expect=201)).json()["id"]
    decision = {
        "method": "residents_vote",
        "turnout": 50,
        "results": [
            {
                "application_id": aid,
                "result": "awarded",
                "amount": money("900.00"),
                "votes": {"for": 40, "against": 5},
            }
        ],
    }
    made = await api.post(
        f"/v1/grant-programmes/{pid}/decisions", council, json=decision, expect=201
    )
    gid = made.json()["grants"][0]["id"]
    assert enterprise_id == made.json()["grants"][0]["recipient"]["enterprise_id"]
    return {"programme_id": pid, "application_id": aid, "grant_id": gid, "no": "1"}
