"""Demo data for the embedded mode, created through the public API like any council would.

The demo obeys every rule about time, so its history happens in the past: ``seed_history``
starts at ``now`` (months ago, on a clock the caller replays forward with ``travel_to``) and
leaves a micro-grant awarded, its contract activated early, ``pending`` until its start and
then ``active`` by the scheduler. ``seed_open`` then creates an open commission in two
Blackpool wards at the present. A micro-grant is outside the Act, so it has no standstill and
the buyer can activate right after the award.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx2

WARDS = ("E05015186", "E05015187")  # Anchorsholme and Bispham, Blackpool
DEADLINE_S = 3.0


def timeline(now: datetime, tender: timedelta) -> dict[str, str]:
    return {
        "enquiry_end": (now + tender / 2).isoformat(),
        "tender_end": (now + tender).isoformat(),
        "award_by": (now + tender + timedelta(days=14)).isoformat(),
        "contract_start": (now + tender + timedelta(days=21)).isoformat(),
        "contract_end": (now + tender + timedelta(days=386)).isoformat(),
    }


def commission(
    title: str, procedure: str, times: dict[str, str], code: str, *, lot_value: str = "5000.00"
) -> dict[str, Any]:
    lots = [
        {
            "id": f"lot-{i + 1}",
            "title": f"{title}: {name}",
            "areas": [ward],
            "value": {"amount": lot_value, "currency": "GBP"},
            "outcomes": [{"indicator_code": code, "target": "30"}],
        }
        for i, (ward, name) in enumerate(zip(WARDS, ("Anchorsholme", "Bispham"), strict=True))
    ]
    return {
        "title": title,
        "description": f"{title}, street by street",
        "need": "Fewer isolated residents",
        "themes": ["health-wellbeing", "older-people"],
        "procedure": procedure,
        "buyer_name": "Blackpool Council",
        "lots": lots if procedure == "open" else lots[:1],
        "value": {
            "amount": f"{Decimal(lot_value) * (2 if procedure == 'open' else 1):.2f}",
            "currency": "GBP",
        },
        "timeline": times,
        "award_criteria": [
            {"name": "price", "weight": 30},
            {"name": "quality", "weight": 50},
            {"name": "social_value", "weight": 20},
        ],
        "payment": {
            "model": "outcomes",
            "rate_card": [
                {
                    "indicator_code": code,
                    "price_per_unit": {"amount": "120.00", "currency": "GBP"},
                    "max_units": "40",
                }
            ],
        },
    }


Wait = Callable[[float], Awaitable[None]]
TravelTo = Callable[[datetime], Awaitable[None]]


async def call(
    http: httpx2.AsyncClient, method: str, url: str, headers: dict[str, str], **kw: Any
) -> Any:
    """One API call of the demo's story; any error status raises."""
    response = await http.request(method, url, headers=headers, **kw)
    response.raise_for_status()
    return response.json()


async def evaluate_by_panel(
    http: httpx2.AsyncClient, council: dict[str, str], cid: str, bidder_id: str
) -> None:
    """A panel of one chair: declaration, content, independent scores, moderation (lot-1)."""
    panel = f"/v1/commissions/{cid}/lots/lot-1/panel"
    chair = {"id": "demo-chair", "name": "Commissioning lead", "role": "chair"}
    await call(http, "PUT", panel, council, json={"members": [chair]})
    declaration = {"member_id": "demo-chair", "bidder_id": bidder_id, "conflicted": False}
    await call(http, "POST", f"{panel}/declarations", council, json=declaration)
    await call(http, "POST", f"{panel}/members/demo-chair/release", council)
    scores = {"price": 90, "quality": 80, "social_value": 75}
    for criterion, score in scores.items():
        mark = {"bidder_id": bidder_id, "criterion": criterion, "score": score}
        await call(
            http,
            "PUT",
            f"{panel}/scores",
            council,
            json={"member_id": "demo-chair", **mark, "reason": f"Demo: {criterion}"},
        )
    await call(http, "POST", f"{panel}/moderation", council)
    for criterion, score in scores.items():
        mark = {"bidder_id": bidder_id, "criterion": criterion, "score": score}
        await call(
            http,
            "PUT",
            f"{panel}/moderated",
            council,
            json={"moderator_id": "demo-chair", **mark, "rationale": f"Agreed: {criterion}"},
        )


async def seed_history(
    http: httpx2.AsyncClient,
    *,
    council: dict[str, str],
    bidder: dict[str, str],
    indicator_code: str,
    wait: Wait,
    travel_to: TravelTo,
    now: datetime,
) -> dict[str, str]:
    """The awarded micro-grant, from ``now`` until its contract is active; returns its ids.

    ``wait`` lets real time pass (the scheduler works); ``travel_to`` moves the services'
    clock forward to an instant.
    """
    times = timeline(now, timedelta(seconds=DEADLINE_S))
    grant = await call(
        http,
        "POST",
        "/v1/commissions",
        council,
        json=commission("Street gardens", "micro_grant", times, indicator_code),
    )
    await call(http, "POST", f"/v1/commissions/{grant['id']}/publish", council)
    bid = await call(
        http,
        "POST",
        f"/v1/commissions/{grant['id']}/bids",
        bidder,
        json={"lot_id": "lot-1", "price": {"amount": "4800.00"}, "proposal": "Planters"},
    )
    await travel_to(datetime.fromisoformat(times["tender_end"]) + timedelta(seconds=1))
    for _ in range(120):
        status = (await call(http, "GET", f"/v1/commissions/{grant['id']}", council))["status"]
        if status != "open":
            break
        await wait(0.5)
    await evaluate_by_panel(http, council, grant["id"], bid["enterprise_id"])
    contract = await call(http, "POST", f"/v1/commissions/{grant['id']}/lots/lot-1/award", council)
    # Activated early: pending until its start, when the scheduler makes it active.
    await call(http, "POST", f"/v1/contracts/{contract['id']}/activate", council)
    await travel_to(datetime.fromisoformat(times["contract_start"]) + timedelta(hours=1))
    for _ in range(120):
        status = (await call(http, "GET", f"/v1/contracts/{contract['id']}", council))["status"]
        if status == "active":
            break
        await wait(0.5)
    return {"awarded": grant["id"], "contract": contract["id"]}


async def seed_open(
    http: httpx2.AsyncClient, *, council: dict[str, str], indicator_code: str, now: datetime
) -> str:
    """An open commission at the present (``now``): its deadlines are all ahead.

    £48,000 with VAT: a notifiable regulated below-threshold contract, so publishing it
    publishes its UK4 tender notice (s.87), which the demo's notices feed then shows.
    """
    body = commission(
        "Befriending",
        "open",
        timeline(now, timedelta(days=28)),
        indicator_code,
        lot_value="20000.00",
    )
    body["cpv_codes"] = ["85300000-2"]  # social work and related services
    open_one = await call(http, "POST", "/v1/commissions", council, json=body)
    await call(http, "POST", f"/v1/commissions/{open_one['id']}/publish", council)
    return str(open_one["id"])


#: The demo council pays each outcome invoice this many days after it is received (within 30).
PAID_AFTER = timedelta(days=14)


async def pay_after_verification(
    http: httpx2.AsyncClient,
    *,
    council: dict[str, str],
    contract_id: str,
    verified_at: datetime,
    present: datetime,
    travel_to: TravelTo,
    wait: Wait,
) -> int:
    """Replayed: the council pays what a verification raised ``PAID_AFTER`` later (or today)."""
    when = min(verified_at + PAID_AFTER, present)
    await travel_to(when)
    return await pay_invoices(
        http, council=council, contract_id=contract_id, today=when.date(), wait=wait
    )


async def pay_invoices(
    http: httpx2.AsyncClient,
    *,
    council: dict[str, str],
    contract_id: str,
    today: date,
    wait: Wait,
) -> int:
    """The council pays the contract's due payables on time, as a good payer; returns how many.

    Payables follow verifications through the bus, so their count is read until it holds.
    """
    url = f"/v1/contracts/{contract_id}/payables"
    due: list[dict[str, Any]] = []
    seen, steady = -1, 0
    for _ in range(200):
        items = (await call(http, "GET", url, council))["items"]
        steady = steady + 1 if len(items) == seen else 0
        seen = len(items)
        due = [p for p in items if p["status"] == "due"]
        if seen and steady >= 5:
            break
        await wait(0.05)
    for n, payable in enumerate(sorted(due, key=lambda p: (p["received_on"], p["id"])), 1):
        paid_on = min(date.fromisoformat(payable["received_on"]) + PAID_AFTER, today)
        body = {"paid_on": paid_on.isoformat(), "reference": f"BPL-AP-{n:04d}"}
        await call(http, "POST", f"/v1/payables/{payable['id']}/pay", council, json=body)
    return len(due)
