"""Enterprise registrations as the acknowledged writes of the fault tests, and their tally."""

from __future__ import annotations

import uuid

from .api import Actor, Api
from .faults import Tally, query, read_topic
from .platform import Platform

TOPIC = "registry.enterprise.v1"


async def register(api: Api, actor: Actor, acked: set[str], label: str) -> int:
    """One registration (a council registering a community group); the status it got."""
    body = {
        "name": f"{label} group {uuid.uuid4().hex[:10]}",
        "legal_form": "unincorporated_association",
        "areas_served": ["E07000119"],
    }
    try:
        resp = await api.post("/v1/enterprises", actor, json=body)
    except Exception:  # the process answering may be the one the test kills: not acknowledged
        return 0
    if resp.status_code == 201:
        acked.add(resp.json()["id"])
    return resp.status_code


async def applied_in_commissioning(platform: Platform, ids: set[str]) -> set[str]:
    rows = await query(
        platform.dsn("commissioning"),
        "SELECT id FROM enterprise_read_model WHERE id = ANY($1::text[])",
        sorted(ids),
    )
    return {r["id"] for r in rows}


async def tally(platform: Platform, name: str, acked: set[str]) -> Tally:
    """Published: registered events per enterprise on the topic (a republished event counts
    twice); applied: commissioning's inbox rows for those events, where its read model has it."""
    result = Tally(name, acked=set(acked))
    event_of: dict[str, str] = {}
    for event in await read_topic(platform.kafka.bootstrap, TOPIC):
        ent = event["subject"].split("/")[-1]
        if ent in acked and event["type"].endswith("enterprise.registered.v1"):
            result.published[ent] += 1
            event_of[event["id"]] = ent
    rows = await query(
        platform.dsn("commissioning"),
        "SELECT event_id FROM inbox WHERE event_id = ANY($1::text[])",
        sorted(event_of),
    )
    present = await applied_in_commissioning(platform, acked)
    for row in rows:
        if event_of[row["event_id"]] in present:
            result.applied[event_of[row["event_id"]]] += 1
    return result
