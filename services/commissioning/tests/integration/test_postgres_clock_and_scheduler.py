"""On PostgreSQL: bid deadlines follow the database clock; replicas share due jobs once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from streetlevel.commissioning import migrate
from streetlevel.commissioning.app import create_app
from streetlevel.commissioning.service.scheduler import run_due_jobs
from streetlevel.common.clock import FrozenClock
from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.outbox import OutboxMessage
from streetlevel.testing.lifespan import LifespanManager


async def start(url: str, kit: Any, tokens: Any, clock: FrozenClock, **overrides: Any) -> Any:
    app = create_app(
        kit.settings_for(url, **overrides), key_source=tokens.key_source(), clock=clock
    )
    return app


async def deliver(app: Any, topic: str, key: str, env: Envelope) -> None:
    message = OutboxMessage(0, topic, key, env.id, env.type, env.to_json())
    await app.state.services.runtime.memory_bus.publish([message])


async def seed(app: Any, kit: Any) -> None:
    indicator = kit.envelope(
        "outcomes.indicator.created.v1",
        "indicator/loneliness-reduced",
        1,
        {"indicator": kit.indicator("loneliness-reduced")},
    )
    await deliver(app, "outcomes.indicator.v1", "loneliness-reduced", indicator)
    for code in kit.themes:
        theme = kit.envelope(
            "registry.theme.defined.v1",
            f"theme/{code}",
            1,
            {"code": code, "name": code, "description": code},
        )
        await deliver(app, "registry.theme.v1", code, theme)


async def test_a_bid_is_refused_when_the_database_clock_is_past_the_deadline(
    pg_database_factory: Any, kit: Any, tokens: Any
) -> None:
    url = await pg_database_factory("commissioning", prepare=migrate.upgrade)
    real = datetime.now(UTC)
    # The injected clock lags two days: only the database knows the deadline has passed.
    clock = FrozenClock(real - timedelta(days=2))
    # The tender closes a minute after the real time (the injected clock lags two days), so
    # no minimum tendering period applies here (periods have their own tests).
    app = await start(url, kit, tokens, clock, below_threshold_tendering_days=0)
    async with LifespanManager(app, startup_timeout=30):
        await seed(app, kit)
        e = str(new_id())
        env = kit.envelope(
            "registry.enterprise.verified.v1",
            f"enterprise/{e}",
            1,
            {"enterprise": kit.enterprise_record(e, "Prompt CIC")},
        )
        await deliver(app, "registry.enterprise.v1", e, env)
        body = kit.commission_body(real - timedelta(days=1))
        body["timeline"]["enquiry_end"] = (real - timedelta(days=1)).isoformat()
        body["timeline"]["tender_end"] = (real - timedelta(minutes=1)).isoformat()
        council = tokens.bearer(tokens.council())
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://test"
        ) as client:
            c = await client.post("/v1/commissions", json=body, headers=council)
            assert c.status_code == 201, c.text
            p = await client.post(f"/v1/commissions/{c.json()['id']}/publish", headers=council)
            assert p.status_code == 200, p.text
            r = await client.post(
                f"/v1/commissions/{c.json()['id']}/bids",
                json={"lot_id": "lot-1", "price": {"amount": "10.00"}, "proposal": "p"},
                headers=tokens.bearer(tokens.enterprise(e)),
            )
            assert r.status_code == 409
            assert r.json()["type"].endswith("/deadline-passed")
            sealed = await client.get(f"/v1/commissions/{c.json()['id']}/bids", headers=council)
            assert sealed.status_code == 200


async def test_concurrent_schedulers_close_each_due_commission_exactly_once(
    pg_database_factory: Any, kit: Any, tokens: Any
) -> None:
    url = await pg_database_factory("commissioning", prepare=migrate.upgrade)
    clock = FrozenClock(datetime.now(UTC))
    app = await start(url, kit, tokens, clock)
    async with LifespanManager(app, startup_timeout=30):
        await seed(app, kit)
        council = tokens.bearer(tokens.council())
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://test"
        ) as client:
            for _ in range(6):
                c = await client.post(
                    "/v1/commissions", json=kit.commission_body(clock.now()), headers=council
                )
                await client.post(f"/v1/commissions/{c.json()['id']}/publish", headers=council)
        services = app.state.services
        later = clock.now() + timedelta(days=11)
        counts = await asyncio.gather(*(run_due_jobs(services, later) for _ in range(3)))
        assert sum(counts) == 6
        assert await run_due_jobs(services, later) == 0


async def test_a_shifted_clock_shifts_the_database_clock_alike(
    pg_database_factory: Any, kit: Any
) -> None:
    from streetlevel.commissioning.adapters.clock import db_now, deadline_passed
    from streetlevel.common.clock import ShiftedClock
    from streetlevel.common.db import create_engine, session_factory

    url = await pg_database_factory("commissioning", prepare=migrate.upgrade)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            ahead = ShiftedClock(offset=timedelta(days=3))
            real = datetime.now(UTC)
            shifted = await db_now(session, ahead)
            assert timedelta(days=3) - timedelta(minutes=1) < shifted - real
            assert shifted - real < timedelta(days=3) + timedelta(minutes=1)
            tomorrow = real + timedelta(days=1)
            assert await deadline_passed(session, tomorrow, ahead)
            assert not await deadline_passed(session, tomorrow, FrozenClock(real + timedelta(2)))
    finally:
        await engine.dispose()
