"""The embedded demo: an awarded commission whose contract started in the past, an open one."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from streetlevel.commissioning import migrate
from streetlevel.commissioning.app import create_app
from streetlevel.commissioning.demo import seed_history, seed_open
from streetlevel.commissioning.service.scheduler import run_due_jobs
from streetlevel.common.clock import FrozenClock
from streetlevel.common.ids import new_id
from streetlevel.common.outbox import OutboxMessage
from streetlevel.testing.lifespan import LifespanManager


async def test_the_demo_leaves_an_open_commission_and_an_active_contract(
    tmp_path: Path, kit: Any, tokens: Any
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    clock = FrozenClock(kit.start)
    app = create_app(kit.settings_for(url), key_source=tokens.key_source(), clock=clock)
    services = app.state.services
    e = str(new_id())
    async with LifespanManager(app):
        bus = services.runtime.memory_bus
        for topic, env in (
            (
                "outcomes.indicator.v1",
                kit.envelope(
                    "outcomes.indicator.created.v1",
                    "indicator/lonely",
                    1,
                    {"indicator": kit.indicator("lonely")},
                ),
            ),
            (
                "registry.theme.v1",
                kit.envelope(
                    "registry.theme.defined.v1",
                    "theme/health-wellbeing",
                    1,
                    {"code": "health-wellbeing", "name": "Health", "description": "Care."},
                ),
            ),
            (
                "registry.theme.v1",
                kit.envelope(
                    "registry.theme.defined.v1",
                    "theme/older-people",
                    1,
                    {"code": "older-people", "name": "Older people", "description": "Ageing."},
                ),
            ),
            (
                "registry.enterprise.v1",
                kit.envelope(
                    "registry.enterprise.verified.v1",
                    f"enterprise/{e}",
                    1,
                    {"enterprise": kit.enterprise_record(e, "Gardens CIC")},
                ),
            ),
        ):
            await bus.publish([OutboxMessage(0, topic, "k", env.id, env.type, env.to_json())])

        async def wait(seconds: float) -> None:
            clock.advance(seconds=seconds)
            await run_due_jobs(services, clock.now())

        states: list[str] = []

        async def travel_to(when: datetime) -> None:
            clock.set(max(clock.now(), when))
            await run_due_jobs(services, clock.now())

        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://test"
        ) as http:
            history_start = clock.now()
            made = await seed_history(
                http,
                council=tokens.bearer(tokens.council()),
                bidder=tokens.bearer(tokens.enterprise(e)),
                indicator_code="lonely",
                wait=wait,
                travel_to=travel_to,
                now=history_start,
            )
            made["open"] = await seed_open(
                http,
                council=tokens.bearer(tokens.council()),
                indicator_code="lonely",
                now=clock.now(),
            )
            opened = (await http.get(f"/v1/commissions/{made['open']}")).json()
            assert opened["status"] == "open"
            assert [lot["areas"] for lot in opened["lots"]] == [["E05015186"], ["E05015187"]]
            assert set(opened["themes"]) == {"health-wellbeing", "older-people"}
            assert (await http.get(f"/v1/commissions/{made['awarded']}")).json()[
                "status"
            ] == "awarded"
            contract = (await http.get(f"/v1/contracts/{made['contract']}")).json()
            assert (contract["status"], contract["payment_model"]) == ("active", "outcomes")
            start = datetime.fromisoformat(contract["period"]["start"])
            # Activated early by the buyer; active only from its start, by the scheduler.
            assert start > history_start + timedelta(days=20)
            assert clock.now() >= start
            releases = (await http.get("/v1/ocds/releases", params={"limit": 200})).json()
            for release in releases["releases"]:
                for c in release.get("contracts", []):
                    states.append(c["status"])
                    if c["status"] == "active":
                        assert release["date"] >= contract["period"]["start"][:19]
            assert states.count("pending") >= 1
            assert "active" in states
