"""Blackpool runs the Procurement Act cycle on the native stack, above and below threshold."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from streetlevel_e2e_harness.actors import Cast
from streetlevel_e2e_harness.api import Actor, Api, eventually
from streetlevel_e2e_harness.blackpool import (
    WARDS,
    Secrets,
    money,
    register_enterprises,
    wait_eligible,
)
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.ukprofile import validate_uk

from streetlevel.commissioning.domain.procurement.working_days import WorkingDayCalendar

UK = ZoneInfo("Europe/London")
CALENDAR = WorkingDayCalendar("england")
CRITERIA = ("price", "quality", "social_value")
MEMBERS = [
    {"id": "m1", "name": "Pat Chair", "role": "chair"},
    {"id": "m2", "name": "Sam Evaluator", "role": "evaluator"},
    {"id": "m3", "name": "Alex Evaluator", "role": "evaluator"},
]


def award_day_before_a_bank_holiday(after: date) -> date:
    """A working day three working days before the first England bank holiday after ``after``."""
    days = sorted(
        d
        for d in holidays.country_holidays("GB", subdiv="ENG", years=[after.year, after.year + 1])
        if d > after
    )
    holiday = days[0]
    day = holiday - timedelta(days=1)
    for _ in range(3):
        day -= timedelta(days=1)
        while not CALENDAR.is_working_day(day):
            day -= timedelta(days=1)
    return day


def body(
    title: str, net: str, *, enquiry_end: datetime, tender_end: datetime, start: datetime
) -> dict[str, Any]:
    lots = [
        {
            "id": f"lot-{code}",
            "title": f"Befriending in {name}",
            "description": f"Weekly visits to isolated older people in {name}",
            "areas": [code],
            "value": money(net),
            "outcomes": [{"indicator_code": "jobs.local_hires", "target": "10"}],
        }
        for code, name in list(WARDS.items())[:2]
    ]
    return {
        "title": title,
        "description": "Befriending for isolated older residents",
        "need": "Fewer lonely older people in two wards",
        "themes": ["employment-skills"],
        "procedure": "open",
        "cpv_codes": ["85311000-2"],
        "buyer_name": "Blackpool Council",
        "lots": lots,
        "value": money(f"{float(net) * 2:.2f}"),
        "timeline": {
            "enquiry_end": enquiry_end.isoformat(),
            "tender_end": tender_end.isoformat(),
            "award_by": (tender_end + timedelta(days=10)).isoformat(),
            "contract_start": start.isoformat(),
            "contract_end": (start + timedelta(days=364)).isoformat(),
        },
        "eligibility": {"verified_only": True},
        "award_criteria": [
            {"name": "price", "weight": 40},
            {"name": "quality", "weight": 40},
            {"name": "social_value", "weight": 20},
        ],
    }


async def panel_evaluates(
    api: Api,
    council: Actor,
    cid: str,
    lot: str,
    scores: dict[str, int],
    conflicted: tuple[str, str],
) -> None:
    """Panel, declarations (one conflict), release, independent then moderated scores."""
    panel = f"/v1/commissions/{cid}/lots/{lot}/panel"
    await api.put(panel, council, json={"members": MEMBERS}, expect=200)
    for m in ("m1", "m2", "m3"):
        for who in scores:
            clash = (m, who) == conflicted
            await api.post(
                f"{panel}/declarations",
                council,
                json={
                    "member_id": m,
                    "bidder_id": who,
                    "conflicted": clash,
                    "details": "Trustee of the bidder" if clash else "",
                },
                expect=200,
            )
        released = await api.post(f"{panel}/members/{m}/release", council, expect=200)
        if m == conflicted[0]:
            assert conflicted[1] not in released.json()["visible_bidders"]
    for m in ("m1", "m2", "m3"):
        for who, value in scores.items():
            for criterion in CRITERIA:
                score = {
                    "member_id": m,
                    "bidder_id": who,
                    "criterion": criterion,
                    "score": value,
                    "reason": f"{criterion} evidence",
                }
                if (m, who) == conflicted:
                    refused = await api.put(f"{panel}/scores", council, json=score, expect=409)
                    assert refused.json()["rule"] == "conflicted_member"
                    assert "ss.81-83" in refused.json()["section"]
                    continue
                await api.put(f"{panel}/scores", council, json=score, expect=200)
    await api.post(f"{panel}/moderation", council, expect=(200, 201))
    fixed = await api.put(
        f"{panel}/scores",
        council,
        json={
            "member_id": "m1",
            "bidder_id": next(iter(scores)),
            "criterion": "price",
            "score": 1,
            "reason": "late",
        },
        expect=409,
    )
    assert fixed.json()["rule"] == "scores_fixed"
    for who, value in scores.items():
        for criterion in CRITERIA:
            await api.put(
                f"{panel}/moderated",
                council,
                json={
                    "moderator_id": "m1",
                    "bidder_id": who,
                    "criterion": criterion,
                    "score": value,
                    "rationale": f"agreed on {criterion}",
                },
                expect=200,
            )


async def notices_of(api: Api, cid: str, expected: list[str]) -> list[dict[str, Any]]:
    """The commission's notices once the consumer has published all ``expected`` of them."""

    async def listed() -> list[dict[str, Any]] | None:
        items = await api.items("/v1/notices", commission_id=cid)
        return items if sorted(n["notice_type"] for n in items) == sorted(expected) else None

    return await eventually(listed, within=60, what=f"{expected} for {cid}")


async def check_valid_and_queued(api: Api, council: Actor, notices: list[dict[str, Any]]) -> None:
    """The commission's release package is valid in the UK profile; every notice is queued."""
    ocid = notices[0]["release"]["ocid"]
    package = (await api.get("/v1/ocds/releases", params={"ocid": ocid}, expect=200)).json()
    ids = {r["id"] for r in package["releases"]}
    assert {n["release_id"] for n in notices} <= ids
    report, invalid = await asyncio.to_thread(validate_uk, package)
    assert report["validation_errors"] == []
    assert not report.get("additional_fields")
    assert invalid == {}
    queue = {s["id"]: s for s in await api.items("/v1/notice-submissions", council)}
    for n in notices:
        assert queue[n["id"]]["status"] == "queued"
        assert queue[n["id"]]["notice_type"] == n["notice_type"]


@pytest.mark.timeout(600)
async def test_blackpool_runs_two_lawful_procurements_from_uk4_to_uk7(
    gateway: Api, cast: Cast, platform: Platform
) -> None:
    api, council, other = gateway, cast.blackpool, cast.lancashire
    records = await register_enterprises(api, cast, Secrets())
    ent = cast.enterprises
    for key in ("cic", "coop"):
        await api.post(
            f"/v1/enterprises/{records[key]['id']}/verification",
            cast.registrar,
            json={"decision": "verified", "note": "checked"},
            expect=200,
        )
    a, b = ent["cic"].enterprise_id, ent["coop"].enterprise_id
    assert a
    assert b

    # Above threshold: an open procedure whose award comes days before a bank holiday.
    now = platform.now()
    award_day = award_day_before_a_bank_holiday((now + timedelta(days=35)).date())
    award_at = datetime.combine(award_day, time(10), tzinfo=UK)
    tender_end = award_at - timedelta(hours=20)
    start = datetime.combine(award_day + timedelta(days=30), time.min, tzinfo=UTC)
    above = await api.post(
        "/v1/commissions",
        council,
        json=body(
            "Befriending in Blackpool (open procedure)",
            "100000.00",
            enquiry_end=tender_end - timedelta(days=10),
            tender_end=tender_end,
            start=start,
        ),
        expect=201,
    )
    big = above.json()["id"]
    assert above.json()["procurement"]["classification"] == "above_threshold"
    # Below threshold (regulated, Part 6): a tender that closes in seconds (no minimum period).
    soon = platform.now()
    below = await api.post(
        "/v1/commissions",
        council,
        json=body(
            "Befriending in Blackpool (below threshold)",
            "20000.00",
            enquiry_end=soon + timedelta(seconds=30),
            tender_end=soon + timedelta(seconds=40),
            start=datetime.combine(soon.date() + timedelta(days=30), time.min, tzinfo=UTC),
        ),
        expect=201,
    )
    small = below.json()["id"]
    assert below.json()["procurement"]["classification"] == "regulated_below_threshold"
    for cid in (big, small):
        await api.post(f"/v1/commissions/{cid}/publish", council, expect=200)
        for key in ("cic", "coop"):
            await wait_eligible(api, ent[key], cid)
        for key, price in (("cic", "18000.00"), ("coop", "17000.00")):
            await api.post(
                f"/v1/commissions/{cid}/bids",
                ent[key],
                json={"lot_id": "lot-E05015186", "price": money(price), "proposal": "Our plan"},
                expect=201,
            )
    lot = "lot-E05015186"
    early = await api.put(
        f"/v1/commissions/{big}/lots/{lot}/panel", council, json={"members": MEMBERS}, expect=409
    )
    assert early.headers["content-type"].startswith("application/problem+json")

    # The below-threshold lot: closes, the panel evaluates, award, contract, UK7 (no UK6).
    async def evaluating(cid: str) -> bool:
        got = (await api.get(f"/v1/commissions/{cid}", expect=200)).json()
        return bool(got["status"] == "evaluation")

    await eventually(lambda: evaluating(small), within=120, what="the small tender to close")
    await panel_evaluates(api, council, small, lot, {a: 80, b: 60}, conflicted=("m2", b))
    contract = (
        await api.post(f"/v1/commissions/{small}/lots/{lot}/award", council, expect=201)
    ).json()
    assert contract["supplier"]["enterprise_id"] == a
    await api.post(f"/v1/contracts/{contract['id']}/activate", council, expect=200)
    await check_valid_and_queued(api, council, await notices_of(api, small, ["UK4", "UK7"]))

    # The above-threshold lot: time passes to the award day, the day the panel meets.
    await asyncio.to_thread(platform.travel_to, award_at)
    await eventually(lambda: evaluating(big), within=120, what="the open tender to close")
    await panel_evaluates(api, council, big, lot, {a: 80, b: 60}, conflicted=("m2", b))
    off = await api.post(
        f"/v1/commissions/{big}/lots/{lot}/award",
        council,
        json={"bid_id": "no-such-bid"},
        expect=(404, 409),
    )
    assert off.headers["content-type"].startswith("application/problem+json")
    contract = (
        await api.post(f"/v1/commissions/{big}/lots/{lot}/award", council, expect=201)
    ).json()
    assert contract["supplier"]["enterprise_id"] == a

    # Assessment summaries: each bidder sees its own; nobody else's.
    summary = f"/v1/commissions/{big}/lots/{lot}/summaries/{b}"
    mine = (await api.get(summary, ent["coop"], expect=200)).json()
    assert (mine["successful"], mine["winner_id"]) == (False, a)
    await api.get(summary, ent["cic"], expect=(403, 404))
    await api.get(summary, other, expect=(403, 404))
    await api.get(summary, expect=(401, 403))

    # Standstill: 8 working days beginning with the UK6 day, skipping the bank holiday.
    ends = datetime.fromisoformat(contract["standstill_end"]).astimezone(UK)
    last = ends.date() - timedelta(days=1)
    assert CALENDAR.working_days_between(award_day, last) == 8
    assert any(
        d in holidays.country_holidays("GB", subdiv="ENG", years=[award_day.year, last.year])
        for d in (award_day + timedelta(days=i) for i in range((last - award_day).days + 1))
    )
    url = f"/v1/contracts/{contract['id']}/activate"
    during = await api.post(url, council, expect=409)
    assert (during.json()["rule"], during.json()["section"]) == (
        "standstill",
        "Procurement Act 2023, s.51",
    )
    await notices_of(api, big, ["UK4", "UK6"])
    await asyncio.to_thread(platform.travel_to, ends + timedelta(minutes=5))
    await api.post(url, council, expect=200)
    notices = await notices_of(api, big, ["UK4", "UK6", "UK7"])
    await check_valid_and_queued(api, council, notices)
    text = str(notices)
    assert "Our plan" not in text
    assert "evidence" not in text
    assert "Trustee" not in text
