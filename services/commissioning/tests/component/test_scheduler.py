"""The lifespan scheduler closes a commission at its deadline with nobody calling the API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx2

from streetlevel.commissioning import migrate
from streetlevel.commissioning.app import create_app
from streetlevel.common.clock import FrozenClock
from streetlevel.common.outbox import OutboxMessage
from streetlevel.testing.lifespan import LifespanManager


async def test_the_background_scheduler_closes_a_commission_past_its_deadline(
    tmp_path: Path, kit: Any, tokens: Any
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    clock = FrozenClock(kit.start)
    settings = kit.settings_for(url, scheduler_enabled=True, scheduler_interval_s=0.02)
    app = create_app(settings, key_source=tokens.key_source(), clock=clock)
    council = tokens.bearer(tokens.council())
    async with LifespanManager(app):
        env = kit.envelope(
            "outcomes.indicator.created.v1",
            "indicator/loneliness-reduced",
            1,
            {"indicator": kit.indicator("loneliness-reduced")},
        )
        theme = kit.envelope(
            "registry.theme.defined.v1",
            "theme/health-wellbeing",
            1,
            {"code": "health-wellbeing", "name": "Health and wellbeing", "description": "Care."},
        )
        await app.state.services.runtime.memory_bus.publish(
            [
                OutboxMessage(0, "outcomes.indicator.v1", "k", env.id, env.type, env.to_json()),
                OutboxMessage(0, "registry.theme.v1", "t", theme.id, theme.type, theme.to_json()),
            ]
        )
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://test"
        ) as client:
            c = await client.post(
                "/v1/commissions", json=kit.commission_body(clock.now()), headers=council
            )
            url_c = f"/v1/commissions/{c.json()['id']}"
            await client.post(f"{url_c}/publish", headers=council)
            await asyncio.sleep(0.1)
            assert (await client.get(url_c)).json()["status"] == "open"
            clock.advance(days=10)
            for _ in range(250):
                seen = (await client.get(url_c)).json()
                if seen["status"] != "open":
                    break
                await asyncio.sleep(0.02)
            # No bids: both lots end unsuccessful, so every lot is decided.
            assert seen["status"] == "awarded"
            assert [lot["status"] for lot in seen["lots"]] == ["unsuccessful", "unsuccessful"]
