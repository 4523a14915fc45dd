"""The demo's ward micro-grant round in Blackpool, through the API as a council and groups would.

``seed_grants`` runs at the end of the replayed past: Blackpool Council opens a neighbourhood
fund for Talbot and Victoria wards; three community groups apply with the short form; the
residents vote; two grants are awarded, paid upfront the day of the decision, and one group
sends its end report before the present. The third application is declined. The round is then
closed. Nothing here is procured (docs/grants.md): no tender, no standstill, no notices.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2

from streetlevel.commissioning.demo import TravelTo, Wait, call

#: Talbot and Victoria (Blackpool): wards the open tender and the stages do not use.
GRANT_WARDS = ("E05015202", "E05015204")
#: The residents who voted in the round.
TURNOUT = 212
#: Applicant name → (amount asked, purpose, people reached, votes for, votes against, awarded).
APPLICATIONS = {
    "Talbot Community Energy": (
        "1800.00",
        "Draught-proofing workshops and kits for older residents' homes",
        60,
        171,
        29,
        True,
    ),
    "Victoria Arts Studio": (
        "2500.00",
        "A summer of free drop-in art sessions for children in Victoria ward",
        120,
        148,
        51,
        True,
    ),
    "Park Community Kitchen": (
        "2500.00",
        "A pop-up kitchen in Talbot on Saturdays",
        80,
        73,
        120,
        False,
    ),
}
#: Which awarded group sends its end report (what happened, people reached).
REPORTED = "Talbot Community Energy"
PROGRAMME: dict[str, Any] = {
    "title": "Talbot and Victoria neighbourhood fund",
    "description": "Small grants for residents' groups and community businesses in Talbot "
    "and Victoria wards, decided by a residents' vote.",
    "areas": list(GRANT_WARDS),
    "criteria": [
        "The project takes place in Talbot or Victoria ward",
        "Residents benefit directly",
        "The money is spent within six months",
    ],
    "budget": {"amount": "10000.00", "currency": "GBP"},
    "max_grant": {"amount": "2500.00", "currency": "GBP"},
    "council_name": "Blackpool Council",
}


async def _apply(
    http: httpx2.AsyncClient, applicant: dict[str, str], body: dict[str, Any], wait: Wait
) -> dict[str, Any]:
    """An application, retried while commissioning has not yet heard the group was verified."""
    for _ in range(100):
        response = await http.post("/v1/grant-applications", json=body, headers=applicant)
        if response.status_code != 422:
            break
        await wait(0.1)
    response.raise_for_status()
    made: dict[str, Any] = response.json()
    return made


async def seed_grants(
    http: httpx2.AsyncClient,
    *,
    council: dict[str, str],
    applicants: dict[str, dict[str, str]],
    wait: Wait,
    travel_to: TravelTo,
    now: datetime,
    present: datetime,
) -> dict[str, Any]:
    """The round from ``now`` (or a month before ``present``, if later) up to ``present``."""
    opened = max(now, present - timedelta(days=30))
    decided = opened + (present - opened) / 2
    reported = opened + (present - opened) * 9 / 10
    await travel_to(opened)
    closes_on = max(opened.date(), (decided - timedelta(days=1)).date())
    body = PROGRAMME | {"closes_on": closes_on.isoformat()}
    programme = await call(http, "POST", "/v1/grant-programmes", council, json=body)
    applications: dict[str, str] = {}
    for name, (amount, purpose, people, *_) in APPLICATIONS.items():
        form = {
            "programme_id": programme["id"],
            "amount_requested": {"amount": amount, "currency": "GBP"},
            "purpose": purpose,
            "people_reached": people,
            "contact": f"Demo: the secretary of {name}",
        }
        applications[name] = (await _apply(http, applicants[name], form, wait))["id"]
    await travel_to(decided)
    results = [
        {
            "application_id": applications[name],
            "result": "awarded" if awarded else "declined",
            "votes": {"for": votes_for, "against": votes_against},
        }
        | ({"amount": {"amount": amount, "currency": "GBP"}} if awarded else {})
        for name, (amount, _, _, votes_for, votes_against, awarded) in APPLICATIONS.items()
    ]
    decision = await call(
        http,
        "POST",
        f"/v1/grant-programmes/{programme['id']}/decisions",
        council,
        json={"method": "residents_vote", "turnout": TURNOUT, "results": results},
    )
    grants = {g["recipient"]["name"]: g for g in decision["grants"]}
    for name, grant in grants.items():
        paid = {"paid_on": grant["awarded_on"], "reference": f"BPL-GRANT-{name[:3].upper()}"}
        upfront = f"/v1/grants/{grant['id']}/instalments/1/paid"
        await call(http, "POST", upfront, council, json=paid)
    await call(http, "POST", f"/v1/grant-programmes/{programme['id']}/close", council)
    await travel_to(reported)
    report = {
        "what_happened": "Six workshops; 58 homes draught-proofed with the kits.",
        "people_reached": 64,
    }
    await call(
        http,
        "POST",
        f"/v1/grants/{grants[REPORTED]['id']}/report",
        applicants[REPORTED],
        json=report,
    )
    return {
        "programme": programme["id"],
        "decision": decision["decision"]["id"],
        "grants": {name: g["id"] for name, g in grants.items()},
    }
