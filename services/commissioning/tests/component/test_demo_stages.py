"""The demo's Procurement Act stages, seeded through the API on a replayed clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2

from streetlevel.commissioning import migrate
from streetlevel.commissioning.app import create_app
from streetlevel.commissioning.demo_stages import CONFLICTED_MEMBER, LOT, award_today, seed_stages
from streetlevel.commissioning.domain.procurement.working_days import WorkingDayCalendar
from streetlevel.commissioning.service.scheduler import run_due_jobs
from streetlevel.common.clock import FrozenClock
from streetlevel.common.ids import new_id
from streetlevel.common.outbox import OutboxMessage
from streetlevel.testing.lifespan import LifespanManager

UK = ZoneInfo("Europe/London")


async def _types(http: httpx2.AsyncClient, cid: str, expected: list[str]) -> list[str]:
    found: list[str] = []
    for _ in range(200):
        items = (await http.get("/v1/notices", params={"commission_id": cid})).json()["items"]
        found = sorted(n["notice_type"] for n in items)
        if found == expected:
            break
        await asyncio.sleep(0.02)
    return found


async def test_the_demo_stages_leave_evaluation_standstill_and_an_entered_contract(
    tmp_path: Path, kit: Any, tokens: Any
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stages.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    clock = FrozenClock(kit.start)
    app = create_app(kit.settings_for(url), key_source=tokens.key_source(), clock=clock)
    services = app.state.services
    bidders = [str(new_id()), str(new_id())]
    async with LifespanManager(app):
        bus = services.runtime.memory_bus
        events = [
            (
                "registry.theme.v1",
                kit.envelope(
                    "registry.theme.defined.v1",
                    f"theme/{code}",
                    1,
                    {"code": code, "name": code, "description": code},
                ),
            )
            for code in ("health-wellbeing", "older-people")
        ] + [
            (
                "registry.enterprise.v1",
                kit.envelope(
                    "registry.enterprise.verified.v1",
                    f"enterprise/{e}",
                    1,
                    {"enterprise": kit.enterprise_record(e, f"Bidder {i}")},
                ),
            )
            for i, e in enumerate(bidders)
        ]
        for topic, env in events:
            await bus.publish([OutboxMessage(0, topic, "k", env.id, env.type, env.to_json())])

        async def wait(seconds: float) -> None:
            await asyncio.sleep(0.01)
            await run_due_jobs(services, clock.now())

        async def travel_to(when: datetime) -> None:
            clock.set(max(clock.now(), when))
            await run_due_jobs(services, clock.now())

        council = tokens.bearer(tokens.council())
        present = kit.start + timedelta(days=120)
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://test"
        ) as http:
            made = await seed_stages(
                http,
                council=council,
                bidders=[(e, tokens.bearer(tokens.enterprise(e))) for e in bidders],
                wait=wait,
                travel_to=travel_to,
                now=clock.now(),
                present=present,
            )
            await travel_to(present)
            held = await award_today(http, council=council, cid=made["standstill"])

            evaluating = (await http.get(f"/v1/commissions/{made['evaluation']}")).json()
            assert evaluating["status"] == "evaluation"
            panel = (
                await http.get(
                    f"/v1/commissions/{made['evaluation']}/lots/{LOT}/panel", headers=council
                )
            ).json()
            declared = {(d["member_id"], d["bidder_id"]) for d in panel["declarations"]}
            flagged = [d for d in panel["declarations"] if d["conflicted"]]
            assert len(declared) == 6  # every member on every bidder
            assert [(d["member_id"], d["bidder_id"]) for d in flagged] == [
                (CONFLICTED_MEMBER, bidders[1])
            ]
            scored = {(s["member_id"], s["bidder_id"]) for s in panel["scores"]}
            assert (CONFLICTED_MEMBER, bidders[1]) not in scored
            assert len(scored) == 5
            assert len(panel["moderated"]) == 1
            assert await _types(http, made["evaluation"], ["UK4"]) == ["UK4"]

            contract = (await http.get(f"/v1/contracts/{held}")).json()
            assert contract["supplier"]["enterprise_id"] == bidders[0]
            day = present.astimezone(UK).date()
            last = datetime.fromisoformat(contract["standstill_end"]).astimezone(UK).date()
            calendar = WorkingDayCalendar("england")
            assert calendar.working_days_between(day, last - timedelta(days=1)) == 8
            assert await _types(http, made["standstill"], ["UK4", "UK6"]) == ["UK4", "UK6"]

            entered = (await http.get(f"/v1/commissions/{made['entered']}")).json()
            assert entered["status"] == "awarded"
            signed = (await http.get(f"/v1/contracts/{made['entered_contract']}")).json()
            assert signed["status"] == "pending"  # entered into; it starts after ``present``
            assert await _types(http, made["entered"], ["UK4", "UK6", "UK7"]) == [
                "UK4",
                "UK6",
                "UK7",
            ]
