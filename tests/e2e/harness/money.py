"""Helpers of the fair-money story: a blended commission, payables, UK8 periods, 360Giving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from streetlevel.testing import giving360

from .api import Actor, Api, eventually
from .blackpool import contract_start, money

FYLDE = "GB-LAE-FYL"
#: Two Fylde wards: no other story on the stack pays anything in Fylde, so its UK8 figures
#: are this story's alone.
WARD_1, WARD_2 = "E05014539", "E05014540"
LOT_1, LOT_2 = f"lot-{WARD_1}", f"lot-{WARD_2}"
BLENDED = {
    "model": "blended",
    "outcomes_share_pct": "40",
    "rate_card": [
        {
            "indicator_code": "skills.qualifications",
            "price_per_unit": money("100.00"),
            "max_units": "40",
        }
    ],
    "instalments": [{"offset_days": 0, "share_pct": "50"}, {"offset_days": 60, "share_pct": "50"}],
    "payment_terms_days": 14,
}


def blended_commission(now: datetime, tender_s: float) -> dict[str, Any]:
    """Befriending in two Fylde wards, paid half on schedule and half by results (40%)."""
    start = contract_start(now)
    lots = [
        {
            "id": lot,
            "title": f"Befriending in ward {lot[4:]}",
            "description": "Weekly visits and a qualification for volunteers",
            "areas": [lot[4:]],
            "value": money("10000.00"),
            "outcomes": [{"indicator_code": "skills.qualifications", "target": "30"}],
        }
        for lot in (LOT_1, LOT_2)
    ]
    return {
        "title": "Befriending in Fylde, paid on schedule and by results",
        "description": "Street-level befriending in two Fylde wards",
        "need": "Fewer lonely older residents in Ashton and Carnegie",
        "themes": ["employment-skills"],
        "procedure": "open",
        "cpv_codes": ["85311000-2"],
        "buyer_name": "Fylde Borough Council",
        "lots": lots,
        "value": money("20000.00"),
        "timeline": {
            "enquiry_end": (now + timedelta(seconds=tender_s - 5)).isoformat(),
            "tender_end": (now + timedelta(seconds=tender_s)).isoformat(),
            "award_by": (now + timedelta(days=1)).isoformat(),
            "contract_start": start.isoformat(),
            "contract_end": (start + timedelta(days=364)).isoformat(),
        },
        "eligibility": {"verified_only": True, "must_serve_area": False},
        "award_criteria": [
            {"name": "price", "weight": 40},
            {"name": "quality", "weight": 40},
            {"name": "social_value", "weight": 20},
        ],
        "payment": BLENDED,
    }


async def payables(api: Api, actor: Actor | None, contract_id: str) -> list[dict[str, Any]]:
    got = await api.get(f"/v1/contracts/{contract_id}/payables", actor, expect=200)
    return list(got.json()["items"])


async def payables_when(
    api: Api, council: Actor, contract_id: str, ready: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The contract's payables (buyer's view) once ``ready`` holds for them."""

    async def probe() -> list[dict[str, Any]] | None:
        items = await payables(api, council, contract_id)
        return items if ready(items) else None

    return await eventually(probe, within=60, what=f"payables of {contract_id}")


async def verified_report(
    api: Api, supplier: Actor, council: Actor, contract_id: str, area: str, day: date
) -> str:
    """The supplier reports five qualifications of one day (£500); the buyer verifies them."""

    async def plan() -> dict[str, Any] | None:
        found = await api.items("/v1/plans", council, contract_id=contract_id)
        return found[0] if found else None

    the_plan = await eventually(plan, within=60, what="the outcomes plan")
    body = {
        "plan_id": the_plan["id"],
        "indicator_code": "skills.qualifications",
        "period": {"start": day.isoformat(), "end": day.isoformat()},
        "area": area,
        "value": "5",
        "evidence": "certificates seen",
    }
    obs = (await api.post("/v1/observations", supplier, json=body, expect=201)).json()["id"]
    await api.post(
        f"/v1/observations/{obs}/verification",
        council,
        json={"decision": "verified"},
        expect=200,
    )
    return str(obs)


def period_of(day: date) -> str:
    """The Procurement Act reporting period (s.69(3)) a day falls in."""
    if 4 <= day.month <= 9:
        return f"{day.year}-H1"
    return f"{day.year}-H2" if day.month >= 10 else f"{day.year - 1}-H2"


async def performance(api: Api, org: str, days: list[date]) -> dict[str, Any]:
    """The council's UK8 counts summed over every period the given days fall in."""
    totals: dict[str, Any] = {}
    for period in sorted({period_of(d) for d in days}):
        got = await api.get(f"/v1/payment-performance/{org}", params={"period": period}, expect=200)
        for key in ("invoices_paid", "paid_within_30_days", "late", "disputed"):
            totals[key] = totals.get(key, 0) + got.json()[key]
    return totals


def validator_360() -> Callable[[dict[str, Any]], list[str]]:
    """The offline 360Giving validator over the vendored schemas (streetlevel.testing)."""
    root = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
    return giving360.validator_360(root.parent / "shared" / "standards" / "360giving")
