"""The Blackpool scenario's data and steps, shared by the native and embedded runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .actors import Cast, new_client
from .api import Actor, Api, claims, eventually

BLACKPOOL = "E06000009"
WARDS = {"E05015186": "Anchorsholme", "E05015187": "Bispham", "E05015188": "Bloomfield"}
# A Fylde ward: the ineligible enterprise serves only outside Blackpool.
FYLDE = "E07000119"
RATE = {"jobs.local_hires": "400.00", "skills.qualifications": "150.00"}
TAG = uuid.uuid4().hex[:8]


@dataclass
class Secrets:
    """Distinctive private values that must never reach open data (grepped for later)."""

    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    home_address: list[str] = field(default_factory=list)
    turnovers: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    webhook_secrets: list[str] = field(default_factory=list)

    def values(self) -> list[str]:
        return [
            *self.emails,
            *self.phones,
            *self.home_address,
            *self.turnovers,
            *self.proposals,
            *self.webhook_secrets,
        ]


def _digits(seed: str, n: int) -> str:
    """Digits unique to this call (identifiers and private values never repeat in a session)."""
    return str(uuid.uuid4().int)[:n]


def enterprise_bodies(secrets: Secrets) -> dict[str, dict[str, Any]]:
    """The four would-be suppliers and one that the rules refuse (fresh names every call)."""
    tag = uuid.uuid4().hex[:8]
    common: dict[str, Any] = {
        "themes": ["employment-skills", "youth"],
        "areas_served": [BLACKPOOL],
        "trading_income_pct": 75,
        "profit_reinvested_pct": 90,
        "independent": True,
        "publishes_social_report": True,
    }
    bodies = {
        "cic": {
            **common,
            "name": f"Seasiders Youth Works CIC {tag}",
            "legal_form": "cic_limited_by_guarantee",
            "identifier": {"scheme": "GB-COH", "id": _digits("cic", 8)},
            "mission": "Young people in Anchorsholme into good local jobs",
            "employees": 8,
            "asset_lock": True,
            "address": {"lines": ["1 Promenade"], "town": "Blackpool", "postcode": "FY1 1AA"},
            "services": [
                {
                    "name": "Job coaching for 16-24s",
                    "description": "One-to-one coaching",
                    "themes": ["employment-skills"],
                    "areas": list(WARDS),
                }
            ],
        },
        "coop": {
            **common,
            "name": f"Tower Workers Co-operative {tag}",
            "legal_form": "cooperative_society",
            "identifier": {"scheme": "GB-MPR", "id": _digits("coop", 5) + "R"},
            "mission": "Worker-owned training kitchen for young people",
            "employees": 12,
            "asset_lock": True,
        },
        "charity": {
            **common,
            "name": f"Bispham Futures {tag}",
            "legal_form": "charitable_incorporated_organisation",
            "identifier": {"scheme": "GB-CHC", "id": _digits("charity", 7)},
            "mission": "Careers advice and mentoring for care leavers",
            "employees": 20,
            "asset_lock": True,
        },
        "sole": {
            **common,
            "name": f"Bloomfield Bike Skills {tag}",
            "legal_form": "sole_trader",
            "mission": "Teaching young people to fix bikes for a living",
            "employees": 1,
            "asset_lock": False,
        },
        "ineligible": {
            **common,
            "name": f"Big Outsourcing Ltd {tag}",
            "legal_form": "company_limited_by_shares",
            "identifier": {"scheme": "GB-COH", "id": _digits("big", 8)},
            "mission": "Shareholder returns",
            "employees": 400,
            "areas_served": [FYLDE],
            "asset_lock": False,
        },
    }
    for key, body in bodies.items():
        email = f"private.{key}.{tag}@example.org"
        phone = f"+44 7700 9{_digits(key + 'phone', 5)}"
        turnover = f"{_digits(key + 'turnover', 6)}.37"
        body["contact"] = {"email": email, "phone": phone}
        body["annual_turnover"] = {"amount": turnover, "currency": "GBP"}
        secrets.emails.append(email)
        secrets.phones.append(phone)
        secrets.turnovers.append(turnover)
    home = f"{_digits('home', 3)} Quietlane Terrace"
    bodies["sole"]["address"] = {"lines": [home], "town": "Blackpool", "postcode": "FY3 9ZZ"}
    secrets.home_address.append(home)
    return bodies


async def register_enterprises(api: Api, cast: Cast, secrets: Secrets) -> dict[str, dict[str, Any]]:
    """Each enterprise registers through its own (unbound, then bound) client."""
    records = {}
    for key, body in enterprise_bodies(secrets).items():
        actor = await new_client(api, cast.registrar, "enterprise", body["name"])
        resp = await api.post("/v1/enterprises", actor, json=body, expect=201)
        record = resp.json()
        assert record["status"] == "pending"
        assert resp.headers["location"].endswith(record["id"])
        actor.enterprise_id = record["id"]
        await bound_token(api, actor)
        cast.enterprises[key] = actor
        records[key] = record
    return records


async def bound_token(api: Api, actor: Actor) -> None:
    """A token acting for the enterprise the client's first POST created.

    The gateway binds the client only after it has relayed the 201, so the first token
    requested right after may still be unbound (reported); poll briefly.
    """

    async def bound() -> bool:
        token = await api.login(actor)
        return claims(token).get("enterprise_id") == actor.enterprise_id

    await eventually(bound, within=10, what=f"{actor.name} bound to its enterprise")


def contract_start(now: datetime) -> datetime:
    """Midnight two days on: after the award, and a whole-day contract period."""
    day = (now + timedelta(days=2)).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def commission_body(now: datetime, *, enquiry_s: float, tender_s: float) -> dict[str, Any]:
    """Youth employment support in three wards, paid by results on a rate card."""
    lots = [
        {
            "id": f"lot-{code}",
            "title": f"Youth employment support in {name}",
            "description": f"Helping 16-24 year olds in {name} ward into work",
            "areas": [code],
            "value": {"amount": "40000.00", "currency": "GBP"},
            "outcomes": [
                {"indicator_code": "jobs.local_hires", "target": "30"},
                {"indicator_code": "skills.qualifications", "target": "40"},
            ],
        }
        for code, name in WARDS.items()
    ]
    start = contract_start(now)
    return {
        "title": f"Youth employment support in Blackpool {TAG}",
        "description": "Street-level support into work for young people in three wards",
        "need": "More 16-24 year olds in Anchorsholme, Bispham and Bloomfield in sustained work",
        "themes": ["employment-skills", "youth"],
        "procedure": "open",
        "cpv_codes": ["79600000-0"],  # recruitment services: the tender notice names them
        "buyer_name": "Blackpool Council",
        "lots": lots,
        "value": {"amount": "120000.00", "currency": "GBP"},
        "timeline": {
            "enquiry_end": (now + timedelta(seconds=enquiry_s)).isoformat(),
            "tender_end": (now + timedelta(seconds=tender_s)).isoformat(),
            "award_by": (now + timedelta(days=1)).isoformat(),
            "contract_start": start.isoformat(),
            "contract_end": (start + timedelta(days=364)).isoformat(),
        },
        "eligibility": {
            "legal_forms": [
                "cic_limited_by_guarantee",
                "cooperative_society",
                "charitable_incorporated_organisation",
                "sole_trader",
            ],
            "max_size": "small",
            "verified_only": True,
            "must_serve_area": True,
        },
        "award_criteria": [
            {"name": "price", "weight": 40},
            {"name": "quality", "weight": 40},
            {"name": "social_value", "weight": 20},
        ],
        "payment": {
            "model": "outcomes",
            "rate_card": [
                {
                    "indicator_code": code,
                    "price_per_unit": {"amount": price, "currency": "GBP"},
                    "max_units": "100",
                }
                for code, price in RATE.items()
            ],
        },
    }


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}


async def wait_eligible(api: Api, actor: Actor, commission_id: str, within: float = 60) -> None:
    """Until commissioning's read model (fed by registry events) lets the enterprise bid."""

    async def probe() -> bool:
        listed = await api.items(
            "/v1/commissions", actor, eligible_for=actor.enterprise_id, status="open"
        )
        return any(c["id"] == commission_id for c in listed)

    await eventually(probe, within=within, what=f"{actor.name} eligible for {commission_id}")
