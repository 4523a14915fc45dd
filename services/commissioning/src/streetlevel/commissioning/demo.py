"""Demo data for the embedded mode, created through the public API like any council would.

``seed_demo`` creates an open commission in two Blackpool wards and a micro-grant that is
awarded with an active outcomes-based contract. The second needs its deadline to pass: the
caller's ``wait`` sleeps (the scheduler then closes it) or, in tests, moves a frozen clock.
Embedded deployments running the demo set ``COMMISSIONING_STANDSTILL_DAYS=0`` so that the
contract can be activated at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

WARDS = ("E05015186", "E05015187")  # Anchorsholme and Bispham, Blackpool
DEADLINE_S = 3.0


def _timeline(now: datetime, tender: timedelta) -> dict[str, str]:
    return {
        "enquiry_end": (now + tender / 2).isoformat(),
        "tender_end": (now + tender).isoformat(),
        "award_by": (now + tender + timedelta(days=14)).isoformat(),
        "contract_start": (now + tender + timedelta(days=21)).isoformat(),
        "contract_end": (now + tender + timedelta(days=386)).isoformat(),
    }


def _commission(title: str, procedure: str, timeline: dict[str, str], code: str) -> dict[str, Any]:
    lots = [
        {
            "id": f"lot-{i + 1}",
            "title": f"{title}: {name}",
            "areas": [ward],
            "value": {"amount": "5000.00", "currency": "GBP"},
            "outcomes": [{"indicator_code": code, "target": "30"}],
        }
        for i, (ward, name) in enumerate(zip(WARDS, ("Anchorsholme", "Bispham"), strict=True))
    ]
    return {
        "title": title,
        "description": f"{title}, street by street",
        "need": "Fewer isolated residents",
        "themes": ["wellbeing"],
        "procedure": procedure,
        "buyer_name": "Blackpool Council",
        "lots": lots if procedure == "open" else lots[:1],
        "value": {"amount": "10000.00" if procedure == "open" else "5000.00", "currency": "GBP"},
        "timeline": timeline,
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


async def seed_demo(
    http: httpx2.AsyncClient,
    *,
    council: dict[str, str],
    bidder: dict[str, str],
    indicator_code: str,
    wait: Callable[[float], Awaitable[None]],
    now: datetime | None = None,
) -> dict[str, str]:
    """Create the demo commissions; returns their ids and the active contract's id."""
    start = now or datetime.now(UTC)

    async def call(method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
        response = await http.request(method, url, headers=headers, **kw)
        response.raise_for_status()
        return response.json()

    open_one = await call(
        "POST",
        "/v1/commissions",
        council,
        json=_commission(
            "Befriending", "open", _timeline(start, timedelta(days=28)), indicator_code
        ),
    )
    await call("POST", f"/v1/commissions/{open_one['id']}/publish", council)
    grant = await call(
        "POST",
        "/v1/commissions",
        council,
        json=_commission(
            "Street gardens",
            "micro_grant",
            _timeline(start, timedelta(seconds=DEADLINE_S)),
            indicator_code,
        ),
    )
    await call("POST", f"/v1/commissions/{grant['id']}/publish", council)
    bid = await call(
        "POST",
        f"/v1/commissions/{grant['id']}/bids",
        bidder,
        json={"lot_id": "lot-1", "price": {"amount": "4800.00"}, "proposal": "Planters"},
    )
    await wait(DEADLINE_S)
    for _ in range(60):
        status = (await call("GET", f"/v1/commissions/{grant['id']}", council))["status"]
        if status != "open":
            break
        await wait(0.5)
    await call(
        "PUT",
        f"/v1/commissions/{grant['id']}/bids/{bid['id']}/score",
        council,
        json={"quality": 80, "social_value": 75, "note": "Demo"},
    )
    contract = await call("POST", f"/v1/commissions/{grant['id']}/lots/lot-1/award", council)
    await call("POST", f"/v1/contracts/{contract['id']}/activate", council)
    return {"open": open_one["id"], "awarded": grant["id"], "contract": contract["id"]}
