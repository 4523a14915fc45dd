"""PostgreSQL + Kafka: draft to contract with registry events over Kafka, paid exactly once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from streetlevel.commissioning import migrate
from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.app import create_app
from streetlevel.commissioning.service.scheduler import run_due_jobs
from streetlevel.common.clock import ShiftedClock
from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.topics import read_records
from streetlevel.testing.waiting import eventually


async def read_topic(bootstrap: str, topic: str, want: int) -> list[Envelope]:
    records = await read_records(bootstrap, topic, want, within=45)
    return [Envelope.from_json(r.value) for r in records]


async def test_a_commission_runs_to_a_contract_paid_once_over_postgresql_and_kafka(
    pg_database_factory: Any,
    kafka_bootstrap: str,
    topic_prefix: str,
    tokens: Any,
    kit: Any,
    tmp_path: Path,
) -> None:
    url = await pg_database_factory("commissioning", prepare=migrate.upgrade)
    # Dates are judged on PostgreSQL's clock: the scenario starts at the real time, and lets
    # days pass by shifting the injected clock, which shifts the database clock alike.
    clock = ShiftedClock()

    def advance(days: int) -> None:
        clock.travel_to(clock.now() + timedelta(days=days))

    settings = kit.settings_for(
        url,
        bus="kafka",
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        kafka_topic_partitions=2,
        # Published a moment after drafting on the real clock, the 10-day tender would fall a
        # few milliseconds short of the platform's below-threshold period (tested elsewhere).
        below_threshold_tendering_days=0,
    )
    app = create_app(settings, key_source=tokens.key_source(), clock=clock)
    services = app.state.services
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    sequences: dict[str, int] = {}

    async def send(topic: str, key: str, kind: str, subject: str, data: dict[str, Any]) -> Envelope:
        sequences[subject] = sequences.get(subject, 0) + 1
        env = kit.envelope(kind, subject, sequences[subject], data)
        await producer.send_and_wait(topic_prefix + topic, env.to_json(), key=key.encode())
        return env

    async def enterprise(record: dict[str, Any], kind: str) -> None:
        await send(
            "registry.enterprise.v1",
            record["id"],
            f"registry.enterprise.{kind}.v1",
            f"enterprise/{record['id']}",
            {"enterprise": record},
        )

    async def status_of(enterprise_id: str) -> str | None:
        async with services.runtime.sessions() as session:
            t = orm.enterprises
            return (
                await session.execute(select(t.c.status).where(t.c.id == enterprise_id))
            ).scalar_one_or_none()

    council = tokens.bearer(tokens.council())
    try:
        async with LifespanManager(app, startup_timeout=90, shutdown_timeout=90):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
                await send(
                    "outcomes.indicator.v1",
                    "loneliness-reduced",
                    "outcomes.indicator.created.v1",
                    "indicator/loneliness-reduced",
                    {"indicator": kit.indicator("loneliness-reduced")},
                )
                for code in kit.themes:
                    await send(
                        "registry.theme.v1",
                        code,
                        "registry.theme.defined.v1",
                        f"theme/{code}",
                        {"code": code, "name": code, "description": code},
                    )
                a, b, c = (str(new_id()) for _ in range(3))
                for eid, name in ((a, "Alpha CIC"), (b, "Beta Co-op"), (c, "Gamma CIC")):
                    await enterprise(kit.enterprise_record(eid, name), "verified")

                async def all_verified() -> bool:
                    return [await status_of(x) for x in (a, b, c)] == ["verified"] * 3

                async def indicator_known() -> bool:
                    # Its own topic: the group may apply it after the enterprises.
                    async with services.runtime.sessions() as session:
                        t = orm.indicators
                        query = select(t.c.code).where(t.c.code == "loneliness-reduced")
                        return (await session.execute(query)).first() is not None

                async def themes_known() -> bool:
                    async with services.runtime.sessions() as session:
                        t = orm.themes
                        known = (await session.execute(select(t.c.code))).scalars()
                        return set(known) == set(kit.themes)

                await eventually(all_verified)
                await eventually(indicator_known)
                await eventually(themes_known)
                body = kit.commission_body(clock.now())
                draft = await client.post("/v1/commissions", json=body, headers=council)
                assert draft.status_code == 201, draft.text
                cid = draft.json()["id"]
                published = await client.post(f"/v1/commissions/{cid}/publish", headers=council)
                assert published.status_code == 200, published.text
                bids = {}
                for eid, price in ((a, "4000.00"), (b, "4500.00"), (c, "3000.00")):
                    r = await client.post(
                        f"/v1/commissions/{cid}/bids",
                        json={"lot_id": "lot-1", "price": {"amount": price}, "proposal": "p"},
                        headers=tokens.bearer(tokens.enterprise(eid)),
                    )
                    assert r.status_code == 201, r.text
                    bids[eid] = r.json()["id"]
                await enterprise(
                    kit.enterprise_record(c, "Gamma CIC", status="suspended"), "suspended"
                )

                async def c_suspended() -> bool:
                    return await status_of(c) == "suspended"

                await eventually(c_suspended)
                advance(11)
                assert await run_due_jobs(services, clock.now()) == 1
                seen = await client.get(f"/v1/commissions/{cid}/bids", headers=council)
                by_id = {x["id"]: x for x in seen.json()["items"]}
                assert by_id[bids[c]]["status"] == "disqualified"
                assert "suspended" in by_id[bids[c]]["disqualified_reason"]
                for eid, quality in ((a, 90), (b, 70)):
                    r = await client.put(
                        f"/v1/commissions/{cid}/bids/{bids[eid]}/score",
                        json={"quality": quality, "social_value": 80},
                        headers=council,
                    )
                    assert r.status_code == 200, r.text
                award = await client.post(
                    f"/v1/commissions/{cid}/lots/lot-1/award", headers=council
                )
                assert award.status_code == 201, award.text
                contract = award.json()
                assert contract["supplier"] == {"enterprise_id": a, "name": "Alpha CIC"}
                advance(20)  # past the standstill and the contract's start (day 30)
                r = await client.post(f"/v1/contracts/{contract['id']}/activate", headers=council)
                assert r.status_code == 200, r.text
                assert r.json()["status"] == "active"
                first = datetime.fromisoformat(contract["period"]["start"]).date()
                period = {"start": str(first), "end": str(first + timedelta(days=29))}
                advance(31)  # the first month has ended: its figures can be paid

                obs, marker = str(new_id()), str(new_id())

                def observation(oid: str, value: str) -> dict[str, Any]:
                    return {
                        "observation_id": oid,
                        "plan_id": str(new_id()),
                        "contract_id": contract["id"],
                        "indicator_code": "loneliness-reduced",
                        "period": period,
                        "area": kit.wards[0],
                        "value": value,
                        "evidence": "private notes never read",
                    }

                await send(
                    "outcomes.observation.v1",
                    contract["id"],
                    "outcomes.observation.reported.v1",
                    f"observation/{obs}",
                    observation(obs, "7"),
                )
                verified = await send(
                    "outcomes.observation.v1",
                    contract["id"],
                    "outcomes.observation.verified.v1",
                    f"observation/{obs}",
                    {**observation(obs, "7"), "decision": "verified"},
                )
                await producer.send_and_wait(
                    topic_prefix + "outcomes.observation.v1",
                    verified.to_json(),
                    key=contract["id"].encode(),
                )
                last = await send(
                    "outcomes.observation.v1",
                    contract["id"],
                    "outcomes.observation.reported.v1",
                    f"observation/{marker}",
                    observation(marker, "1"),
                )

                async def marker_applied() -> bool:
                    async with services.runtime.sessions() as session:
                        t = orm.inbox.inbox
                        n = await session.execute(
                            select(func.count()).select_from(t).where(t.c.event_id == last.id)
                        )
                        return bool(n.scalar_one())

                await eventually(marker_applied)
                ledger = await client.get(
                    f"/v1/contracts/{contract['id']}/payments", headers=council
                )
                assert [
                    (ln["kind"], ln["units"], ln["amount"]["amount"])
                    for ln in ledger.json()["lines"]
                ] == [("payment", "7", "350.00")]
                events = await read_topic(
                    kafka_bootstrap, topic_prefix + "commissioning.contract.v1", 3
                )
                created = next(e for e in events if e.short_type.endswith("created.v1"))
                assert created.data["supplier"] == {"enterprise_id": a, "name": "Alpha CIC"}
                assert created.data["lot"]["areas"] == [kit.wards[0]]
                start = datetime.fromisoformat(body["timeline"]["contract_start"]).date()
                assert created.data["period"]["start"] == start.isoformat()
                assert created.data["rate_card"][0]["price_per_unit"] == {
                    "amount": "50.00",
                    "currency": "GBP",
                }
                updated = [e for e in events if e.short_type.endswith("payments_updated.v1")]
                # A sensitive indicator: the public event carries 7 people rounded to 5 (× £50).
                assert [e.data["total"]["amount"] for e in updated] == ["250.00"]
                assert "units" not in str(updated[0].data)
                package = (await client.get("/v1/ocds/releases")).json()
                report = await asyncio.to_thread(kit.validate_ocds, package, tmp_path)
                assert not report.get("validation_errors")
                assert not report.get("additional_closed_codelist_values")
                assert not report.get("additional_fields")
                assert len(package["releases"]) == 5
    finally:
        await producer.stop()
