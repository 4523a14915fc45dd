"""The demo's Procurement Act stages for Blackpool, created through the API as a council would.

``seed_stages`` runs in the replayed past (months ago, on a clock the caller moves forward):
three commissions are tendered for 30 days; after the deadline one stays in evaluation (a
named panel, one member's declared conflict, independent scores and a moderated score), one
is fully evaluated and waits for its award, and one is awarded, waits out its standstill of
8 working days and is entered into (UK4, UK6, UK7). ``award_today`` then awards the waiting
one at the present, so its UK6 is published today and its standstill ends in working days
ahead. The open stage is ``demo.seed_open``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2

from streetlevel.commissioning.demo import TravelTo, Wait, call

#: Bloomfield, Claremont and Bispham (Blackpool): one ward a stage, none the open tender's.
EVALUATION_WARD, STANDSTILL_WARD, ENTERED_WARD = "E05015188", "E05015190", "E05015187"
LOT = "lot-1"
TENDER = timedelta(days=30)
CRITERIA = {"price": 40, "quality": 40, "social_value": 20}
PANEL = [
    {"id": "panel-chair", "name": "Head of Adult Social Care Commissioning", "role": "chair"},
    {"id": "panel-finance", "name": "Finance Business Partner", "role": "evaluator"},
    {"id": "panel-community", "name": "Community Development Officer", "role": "evaluator"},
]
#: The member who declares a conflict, and with which bidder (index into the bidders).
CONFLICTED_MEMBER, CONFLICTED_BIDDER = "panel-community", 1
#: Each bidder's score on every criterion: the first bidder ranks first.
SCORES = (80, 65)


def stage_body(
    title: str, ward: str, net: str, *, now: datetime, present: datetime
) -> dict[str, Any]:
    """A one-lot open procedure in ``ward``; it closes after 30 days, awards around ``present``."""
    return {
        "title": title,
        "description": f"{title} for residents of one Blackpool ward",
        "need": "More older residents living well at home",
        "themes": ["health-wellbeing", "older-people"],
        "procedure": "open",
        "cpv_codes": ["85311000-2"],  # social work services with accommodation
        "buyer_name": "Blackpool Council",
        "lots": [
            {
                "id": LOT,
                "title": title,
                "areas": [ward],
                "value": {"amount": net, "currency": "GBP"},
            }
        ],
        "value": {"amount": net, "currency": "GBP"},
        "timeline": {
            "enquiry_end": (now + TENDER / 2).isoformat(),
            "tender_end": (now + TENDER).isoformat(),
            "award_by": (present + timedelta(days=10)).isoformat(),
            "contract_start": (present + timedelta(days=30)).isoformat(),
            "contract_end": (present + timedelta(days=395)).isoformat(),
        },
        "award_criteria": [{"name": n, "weight": w} for n, w in CRITERIA.items()],
    }


async def _bid(
    http: httpx2.AsyncClient, cid: str, bidder: dict[str, str], price: str, wait: Wait
) -> None:
    """A bid, retried while commissioning has not yet heard of the enterprise (an event away)."""
    body = {"lot_id": LOT, "price": {"amount": price}, "proposal": "Our delivery plan"}
    for _ in range(100):
        response = await http.post(f"/v1/commissions/{cid}/bids", json=body, headers=bidder)
        if response.status_code != 422:
            break
        await wait(0.1)
    response.raise_for_status()


async def evaluate(
    http: httpx2.AsyncClient,
    council: dict[str, str],
    cid: str,
    bidder_ids: list[str],
    *,
    moderate_all: bool,
) -> None:
    """Panel, declarations (one conflict), release, independent scores, then moderation."""
    panel = f"/v1/commissions/{cid}/lots/{LOT}/panel"
    await call(http, "PUT", panel, council, json={"members": PANEL})
    conflict = (CONFLICTED_MEMBER, bidder_ids[CONFLICTED_BIDDER])
    for member in PANEL:
        for bidder in bidder_ids:
            clash = (member["id"], bidder) == conflict
            declaration = {
                "member_id": member["id"],
                "bidder_id": bidder,
                "conflicted": clash,
                "details": "Volunteers with the bidder" if clash else "",
            }
            await call(http, "POST", f"{panel}/declarations", council, json=declaration)
        await call(http, "POST", f"{panel}/members/{member['id']}/release", council)
    for member in PANEL:
        for bidder, score in zip(bidder_ids, SCORES, strict=True):
            if (member["id"], bidder) == conflict:
                continue  # the Act bars them from it (ss.81-83); the API would answer 409
            for criterion in CRITERIA:
                mark = {"member_id": member["id"], "bidder_id": bidder, "criterion": criterion}
                reason = {"score": score, "reason": f"Evidence on {criterion}"}
                await call(http, "PUT", f"{panel}/scores", council, json=mark | reason)
    await call(http, "POST", f"{panel}/moderation", council)
    marks = [
        (bidder, criterion, score)
        for bidder, score in zip(bidder_ids, SCORES, strict=True)
        for criterion in CRITERIA
    ]
    for bidder, criterion, score in marks if moderate_all else marks[:1]:
        moderated = {
            "moderator_id": "panel-chair",
            "bidder_id": bidder,
            "criterion": criterion,
            "score": score,
            "rationale": f"Agreed by the panel on {criterion}",
        }
        await call(http, "PUT", f"{panel}/moderated", council, json=moderated)


async def _notice_types(http: httpx2.AsyncClient, cid: str) -> list[str]:
    listed = await call(http, "GET", "/v1/notices", {}, params={"commission_id": cid})
    return sorted(n["notice_type"] for n in listed["items"])


async def seed_stages(
    http: httpx2.AsyncClient,
    *,
    council: dict[str, str],
    bidders: list[tuple[str, dict[str, str]]],
    wait: Wait,
    travel_to: TravelTo,
    now: datetime,
    present: datetime,
) -> dict[str, str]:
    """From ``now`` (past): the evaluation, standstill-to-be and entered stages; their ids."""
    made: dict[str, str] = {}
    stages = (
        ("evaluation", "Home from hospital support in Bloomfield", EVALUATION_WARD, "30000.00"),
        ("standstill", "Extra care support in Claremont", STANDSTILL_WARD, "200000.00"),
        ("entered", "Supported living in Bispham", ENTERED_WARD, "200000.00"),
    )
    for stage, title, ward, net in stages:
        body = stage_body(title, ward, net, now=now, present=present)
        made[stage] = (await call(http, "POST", "/v1/commissions", council, json=body))["id"]
        await call(http, "POST", f"/v1/commissions/{made[stage]}/publish", council)
        for (_, auth), price in zip(bidders, ("0.95", "0.90"), strict=True):
            await _bid(http, made[stage], auth, f"{float(net) * float(price):.2f}", wait)
    await travel_to(now + TENDER + timedelta(hours=1))
    for cid in made.values():
        for _ in range(120):
            if (await call(http, "GET", f"/v1/commissions/{cid}", council))["status"] != "open":
                break
            await wait(0.5)
    ids = [enterprise for enterprise, _ in bidders]
    await evaluate(http, council, made["evaluation"], ids, moderate_all=False)
    await evaluate(http, council, made["standstill"], ids, moderate_all=True)
    await evaluate(http, council, made["entered"], ids, moderate_all=True)
    award = f"/v1/commissions/{made['entered']}/lots/{LOT}/award"
    contract = await call(http, "POST", award, council)
    # The UK7 follows the UK6 (its consumer publishes it), and both follow the standstill.
    for _ in range(120):
        if "UK6" in await _notice_types(http, made["entered"]):
            break
        await wait(0.1)
    await travel_to(datetime.fromisoformat(contract["standstill_end"]) + timedelta(minutes=5))
    await call(http, "POST", f"/v1/contracts/{contract['id']}/activate", council)
    made["entered_contract"] = contract["id"]
    return made


async def award_today(http: httpx2.AsyncClient, *, council: dict[str, str], cid: str) -> str:
    """The waiting commission awarded at the present: UK6 today, standstill ahead."""
    award = f"/v1/commissions/{cid}/lots/{LOT}/award"
    contract = await call(http, "POST", award, council)
    return str(contract["id"])
