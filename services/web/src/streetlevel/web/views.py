"""What each page shows, read from the public API; figures are passed on exactly as published."""

from __future__ import annotations

import asyncio
from typing import Any

from streetlevel.web import grants as grant_views
from streetlevel.web import payments as payment_views
from streetlevel.web.gateway import GatewayClient, Gone, NotFound

#: Lists the site reads are short; beyond this many items it says "and more" rather than page.
LIST_LIMIT = 200


async def themes(gw: GatewayClient) -> dict[str, str]:
    """Theme code → name."""
    body = await gw.get("/v1/themes")
    return {t["code"]: t["name"] for t in body.get("items", [])}


async def area_names(gw: GatewayClient, codes: list[str]) -> dict[str, str]:
    """GSS code → name, for the codes the registry knows."""
    names: dict[str, str] = {}

    async def one(code: str) -> None:
        try:
            names[code] = (await gw.get(f"/v1/areas/{code}"))["name"]
        except NotFound:
            names[code] = code

    await asyncio.gather(*(one(c) for c in dict.fromkeys(codes)))
    return names


async def home(gw: GatewayClient, query: str | None) -> dict[str, Any]:
    """Area search results and the districts where commissions or contracts are."""
    results: list[dict[str, Any]] = []
    if query:
        results = (await gw.get("/v1/areas", q=query, limit=50))["items"]
    commissions = (await gw.get("/v1/commissions", status="open", limit=LIST_LIMIT))["items"]
    contracts = (await gw.get("/v1/contracts", status="active", limit=LIST_LIMIT))["items"]
    codes = [a for c in commissions for lot in c["lots"] for a in lot["areas"]]
    codes += [a for c in contracts for a in c["lot"]["areas"]]
    districts: dict[str, dict[str, Any]] = {}
    for area in await asyncio.gather(*(gw.get(f"/v1/areas/{c}") for c in dict.fromkeys(codes))):
        chain = [area, *area.get("parents", [])]
        lad = next((a for a in chain if a["type"] == "lad"), None)
        if lad is not None:
            districts.setdefault(lad["code"], {"code": lad["code"], "name": lad["name"]})
    return {
        "query": query,
        "results": results,
        "districts": sorted(districts.values(), key=lambda d: d["name"]),
        "open_count": len(commissions),
        "contract_count": len(contracts),
    }


def _related(page_area: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether ``other`` is the page's area, inside it, or contains it."""
    code = page_area["code"]
    if other["code"] == code:
        return True
    if code in {p["code"] for p in other.get("parents", [])}:
        return True
    return other["code"] in {p["code"] for p in page_area.get("parents", [])}


#: Area types whose every descendant is a direct child (a ward's LSOAs; an LSOA has none).
SHALLOW = frozenset({"ward", "lsoa"})


def _nearby(place: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The page's area, its parents and its children: known from its own read."""
    return {a["code"]: a for a in [place, *place.get("parents", []), *place.get("children", [])]}


async def _names(gw: GatewayClient, place: dict[str, Any], codes: list[str]) -> dict[str, str]:
    """Names of ``codes``, read only for those not around the page's area."""
    known = {code: a["name"] for code, a in _nearby(place).items()}
    return {**known, **await area_names(gw, [c for c in codes if c not in known])}


async def area(gw: GatewayClient, gss: str) -> dict[str, Any]:
    """Everything the area page shows; each chain of dependent reads runs beside the others."""
    place_task = asyncio.ensure_future(gw.get(f"/v1/areas/{gss}"))

    async def open_lots() -> tuple[dict[str, Any], dict[str, str]]:
        found = await gw.get("/v1/commissions", area=gss, status="open", limit=LIST_LIMIT)
        codes = [a for c in found["items"] for lot in c["lots"] for a in lot["areas"]]
        return found, await _names(gw, await place_task, codes)

    async def contracts_here() -> tuple[list[dict[str, Any]], dict[str, str]]:
        # Contracts have no area filter. A lot's area around the page's is placed from the
        # page's own read; below a district any other area is unrelated; else it is read.
        found, place = await asyncio.gather(
            gw.get("/v1/contracts", status="active", limit=LIST_LIMIT), place_task
        )
        nearby = _nearby(place)
        codes = {a for c in found["items"] for a in c["lot"]["areas"]} - nearby.keys()
        unknown = sorted(codes) if place["type"] not in SHALLOW else []
        read = await asyncio.gather(*(gw.get(f"/v1/areas/{c}") for c in unknown))
        read_areas = {a["code"]: a for a in read}
        placed = {**nearby, **read_areas}

        def related(code: str) -> bool:
            # The page's area, its parents and children all are; a read one says where it sits.
            return code in nearby or (code in read_areas and _related(place, read_areas[code]))

        here = [c for c in found["items"] if any(related(a) for a in c["lot"]["areas"])]
        social_value, names = await asyncio.gather(
            asyncio.gather(
                *(gw.get(f"/v1/reports/contracts/{c['id']}/social-value") for c in here)
            ),
            _names(gw, place, [a for c in here for a in c["lot"]["areas"] if a not in placed]),
        )
        shown = [
            {"contract": c, "social_value": sv} for c, sv in zip(here, social_value, strict=True)
        ]
        return shown, {**names, **{code: a["name"] for code, a in placed.items()}}

    try:
        (
            place,
            enterprises,
            (commissions, names),
            (contracts, lot_names),
            report,
            theme_names,
            grants,
        ) = await asyncio.gather(
            place_task,
            gw.get("/v1/enterprises", area=gss, limit=LIST_LIMIT),
            open_lots(),
            contracts_here(),
            gw.get(f"/v1/reports/areas/{gss}"),
            themes(gw),
            grant_views.area(gw, place_task),
        )
    finally:
        place_task.cancel()  # a no-op once it finished; never left running after a failure
    return {
        "area": place,
        "enterprises": [e for e in enterprises["items"] if e["status"] != "dissolved"],
        "commissions": commissions["items"],
        "contracts": contracts,
        "report": report,
        "themes": theme_names,
        "area_names": {**grants["area_names"], **names, **lot_names},
        "chart": chart(report, gss),
        "grant_programmes": grants["programmes"],
        "grants": grants["grants"],
    }


def chart(report: dict[str, Any], gss: str) -> list[dict[str, Any]]:
    """Per indicator, the area's own published period figures, scaled for bars (no new figure)."""
    charts = []
    for indicator in report.get("indicators", []):
        own = next((a for a in indicator.get("areas", []) if a.get("area") == gss), None)
        if own is None:
            continue
        bars = []
        for row in own.get("periods", []):
            shown = None if row.get("suppressed") else row.get("value")
            bars.append({"period": row["period"], "figure": row, "number": _number(shown)})
        top = max((b["number"] for b in bars), default=0) or 1
        for bar in bars:
            bar["width"] = round(300 * bar["number"] / top)
        charts.append({"indicator": indicator, "bars": bars})
    return charts


def _number(value: Any) -> float:
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 0.0


async def enterprise(gw: GatewayClient, enterprise_id: str) -> dict[str, Any]:
    """The public profile; Gone for a dissolved enterprise."""
    profile = await gw.get(f"/v1/enterprises/{enterprise_id}")
    if profile.get("status") == "dissolved":
        raise Gone(profile.get("name", enterprise_id))
    check, contracts, theme_names, names, grants = await asyncio.gather(
        gw.get(f"/v1/enterprises/{enterprise_id}/social-enterprise-check"),
        gw.get("/v1/contracts", supplier=enterprise_id, limit=LIST_LIMIT),
        themes(gw),
        area_names(gw, profile.get("areas_served", [])),
        grant_views.received(gw, enterprise_id),
    )
    progress = await asyncio.gather(
        *(gw.get(f"/v1/reports/contracts/{c['id']}/progress") for c in contracts["items"])
    )
    return {
        "enterprise": profile,
        "check": check,
        "contracts": [
            {"contract": c, "progress": p}
            for c, p in zip(contracts["items"], progress, strict=True)
        ],
        "themes": theme_names,
        "area_names": names,
        "grants": grants,
    }


async def commission(gw: GatewayClient, commission_id: str) -> dict[str, Any]:
    """The public notice, its questions and answers, and the Procurement Act notices published."""
    notice = await gw.get(f"/v1/commissions/{commission_id}")
    questions, notices, theme_names, names, paid = await asyncio.gather(
        gw.get(f"/v1/commissions/{commission_id}/questions", limit=LIST_LIMIT),
        gw.get("/v1/notices", commission_id=commission_id, limit=LIST_LIMIT),
        themes(gw),
        area_names(gw, [a for lot in notice.get("lots", []) for a in lot.get("areas", [])]),
        payment_views.timeline(gw, commission_id),
    )
    return {
        "commission": notice,
        "payments": paid,
        "questions": questions["items"],
        "notices": notices["items"],
        "themes": theme_names,
        "area_names": names,
    }
