"""Ward micro-grants for the area and enterprise pages, read from the public grant API."""

from __future__ import annotations

import asyncio
from typing import Any

from streetlevel.web.gateway import GatewayClient, NotFound

#: Lists the site reads are short (as in views).
LIST_LIMIT = 200
#: Page area types for which every programme area (a ward or a district) that concerns the page
#: is the area itself, one it sits in or one directly inside it: no area needs a read.
SHALLOW = frozenset({"lad", "ward", "lsoa"})


def _nearby(place: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's area, the areas it sits in and the areas directly inside it."""
    return [place, *place.get("parents", []), *place.get("children", [])]


def _around(place: dict[str, Any]) -> set[str]:
    return {a["code"] for a in _nearby(place)}


async def _inside(gw: GatewayClient, place: dict[str, Any], codes: set[str]) -> set[str]:
    """Of ``codes`` not around the page's area, those inside it (read only above a district)."""
    if place["type"] in SHALLOW or not codes:
        return set()

    async def parents(code: str) -> set[str]:
        try:
            return {p["code"] for p in (await gw.get(f"/v1/areas/{code}")).get("parents", [])}
        except NotFound:  # an area the registry no longer knows is placed nowhere
            return set()

    read = await asyncio.gather(*(parents(c) for c in sorted(codes)))
    return {c for c, up in zip(sorted(codes), read, strict=True) if place["code"] in up}


def _decided(grant: dict[str, Any], decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """How the grant was decided: the method, the panel or the vote counts, as published."""
    decision = next((d for d in decisions if d.get("id") == grant.get("decision_id")), None)
    if decision is None:
        return {"method": None}
    result: dict[str, Any] = next(
        (
            r
            for r in decision.get("results", [])
            if r.get("application_id") == grant.get("application_id")
        ),
        {},
    )
    return {
        "method": decision.get("method"),
        "panel": decision.get("panel") or [],
        "turnout": decision.get("turnout"),
        "votes": result.get("votes"),
        "decided_at": decision.get("decided_at"),
    }


async def area(gw: GatewayClient, place_task: asyncio.Future[Any]) -> dict[str, Any]:
    """Programmes serving the area, in it or containing it, and the grants they awarded."""
    found, place = await asyncio.gather(
        gw.get("/v1/grant-programmes", limit=LIST_LIMIT), place_task
    )
    around = _around(place)
    codes = {a for p in found["items"] for a in p["areas"]}
    related = around | await _inside(gw, place, codes - around)
    programmes = [p for p in found["items"] if related.intersection(p["areas"])]

    async def awarded(programme: dict[str, Any]) -> list[dict[str, Any]]:
        grants, decisions = await asyncio.gather(
            gw.get("/v1/grants", programme_id=programme["id"], limit=LIST_LIMIT),
            gw.get(f"/v1/grant-programmes/{programme['id']}/decisions"),
        )
        return [
            {"grant": g, "programme": programme, "decision": _decided(g, decisions["items"])}
            for g in grants["items"]
        ]

    async def name(code: str) -> tuple[str, str]:
        try:
            return code, (await gw.get(f"/v1/areas/{code}"))["name"]
        except NotFound:
            return code, code

    known = {a["code"]: a["name"] for a in _nearby(place)}
    unnamed = sorted({a for p in programmes for a in p["areas"]} - known.keys())
    per_programme, names = await asyncio.gather(
        asyncio.gather(*(awarded(p) for p in programmes)),
        asyncio.gather(*(name(c) for c in unnamed)),
    )
    return {
        "programmes": programmes,
        "grants": [g for rows in per_programme for g in rows],
        "area_names": {**known, **dict(names)},
    }


async def received(gw: GatewayClient, enterprise_id: str) -> list[dict[str, Any]]:
    """The grants an enterprise received, as published."""
    found = await gw.get("/v1/grants", recipient=enterprise_id, limit=LIST_LIMIT)
    items: list[dict[str, Any]] = found["items"]
    return items
