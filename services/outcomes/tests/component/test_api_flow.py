"""The outcomes API in embedded mode: from a contract event to verified results and reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from streetlevel.common.ids import new_id
from streetlevel.outcomes.adapters import orm
from streetlevel.testing.tokens import TokenFactory

from ..support import (
    BUYER,
    LSOA_A,
    LSOA_B,
    LSOA_C,
    contract_created_data,
    contract_event,
    enterprise_event,
)
from .conftest import Embedded

Q1 = {"start": "2026-01-01", "end": "2026-03-31"}
Q2 = {"start": "2026-04-01", "end": "2026-06-30"}


async def start_contract(env: Embedded, supplier: str) -> tuple[str, dict[str, Any]]:
    """Publish contract.created; return the contract id and its plan as the buyer sees it."""
    contract_id = str(new_id())
    data = contract_created_data(contract_id, supplier)
    await env.deliver("commissioning.contract.v1", contract_event("created", contract_id, data))
    response = await env.client.get(
        "/v1/plans", params={"contract_id": contract_id}, headers=buyer(env.tokens)
    )
    (plan,) = response.json()["items"]
    return contract_id, plan


def buyer(tokens: TokenFactory) -> dict[str, str]:
    return tokens.bearer(tokens.council(BUYER, "E06000009"))


def supplier(tokens: TokenFactory, enterprise_id: str) -> dict[str, str]:
    return tokens.bearer(tokens.enterprise(enterprise_id))


async def report(
    env: Embedded,
    enterprise: str,
    plan_id: str,
    code: str,
    period: dict[str, str],
    area: str,
    value: str,
) -> dict[str, Any]:
    response = await env.client.post(
        "/v1/observations",
        json={
            "plan_id": plan_id,
            "indicator_code": code,
            "period": period,
            "area": area,
            "value": value,
            "evidence": "signed timesheets",
        },
        headers=supplier(env.tokens, enterprise),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def verify(env: Embedded, observation_id: str) -> None:
    response = await env.client.post(
        f"/v1/observations/{observation_id}/verification",
        json={"decision": "verified", "note": "checked"},
        headers=buyer(env.tokens),
    )
    assert response.status_code == 200, response.text


async def test_the_default_catalogue_is_seeded_once_and_readable_by_anyone(
    embedded: Embedded,
) -> None:
    response = await embedded.client.get("/v1/indicators", params={"limit": 200})
    assert response.status_code == 200
    codes = [i["code"] for i in response.json()["items"]]
    assert len(codes) == 21
    assert "jobs.local_hires" in codes
    one = await embedded.client.get("/v1/indicators/jobs.local_hires")
    assert one.json()["proxy_value"]["source"] == "Street Level illustrative value, 2026"
    again = await embedded.client.get(
        "/v1/indicators/jobs.local_hires", headers={"If-None-Match": one.headers["etag"]}
    )
    assert again.status_code == 304


async def test_a_redelivered_contract_event_creates_one_plan(embedded: Embedded) -> None:
    contract_id = str(new_id())
    event = contract_event("created", contract_id, contract_created_data(contract_id, "e-1"))
    await embedded.deliver("commissioning.contract.v1", event)
    await embedded.deliver("commissioning.contract.v1", event)
    copy = event.model_copy(update={"id": str(new_id())})
    await embedded.deliver("commissioning.contract.v1", copy)
    response = await embedded.client.get("/v1/plans", params={"contract_id": contract_id})
    (plan,) = response.json()["items"]
    assert [i["code"] for i in plan["indicators"]] == [
        "jobs.local_hires",
        "health.wellbeing_improved",
        "skills.training_hours",
    ]
    assert "assumptions" not in plan  # the public sees targets only


async def test_contract_status_and_supplier_names_feed_the_read_models(
    embedded: Embedded,
) -> None:
    contract_id, _plan = await start_contract(embedded, "e-names")
    await embedded.deliver(
        "commissioning.contract.v1",
        contract_event("activated", contract_id, {"status": "active"}, sequence=2),
    )
    await embedded.deliver("registry.enterprise.v1", enterprise_event("e-names", "Renamed CIC"))
    runtime = embedded.app.state.services.runtime
    async with runtime.sessions() as session:
        row = (
            await session.execute(select(orm.contracts).where(orm.contracts.c.id == contract_id))
        ).one()
    assert (row.status, row.supplier_name) == ("active", "Renamed CIC")


async def test_reported_and_verified_figures_make_progress_and_social_value(
    embedded: Embedded,
) -> None:
    contract_id, plan = await start_contract(embedded, "e-flow")
    patch = await embedded.client.patch(
        f"/v1/plans/{plan['id']}",
        json={
            "assumptions": {
                "deadweight": 20,
                "displacement": 10,
                "attribution": 25,
                "drop_off": 50,
                "duration_years": 3,
            }
        },
        headers={**buyer(embedded.tokens), "If-Match": '"v1"'},
    )
    assert patch.status_code == 200, patch.text
    stale = await embedded.client.patch(
        f"/v1/plans/{plan['id']}",
        json={"assumptions": {"deadweight": 5}},
        headers={**buyer(embedded.tokens), "If-Match": '"v1"'},
    )
    assert stale.status_code == 412
    first = await report(embedded, "e-flow", plan["id"], "jobs.local_hires", Q1, LSOA_A, "2")
    await verify(embedded, first["id"])
    second = await report(embedded, "e-flow", plan["id"], "jobs.local_hires", Q2, LSOA_B, "6")
    await verify(embedded, second["id"])
    await report(embedded, "e-flow", plan["id"], "jobs.local_hires", Q2, LSOA_C, "3")

    progress = (
        await embedded.client.get(
            f"/v1/reports/contracts/{contract_id}/progress", headers=buyer(embedded.tokens)
        )
    ).json()
    (jobs,) = [i for i in progress["outcomes"] if i["indicator_code"] == "jobs.local_hires"]
    # Target 12, verified 2 + 6 = 8, unverified 3; half the year gone (182 of 365 days).
    assert jobs["verified"] == {"value": "8", "suppressed": False}
    assert jobs["reported_unverified"] == "3"
    assert jobs["percent_of_target"] == "66.7"
    assert jobs["on_track"] is True
    assert progress["outputs"][0]["indicator_code"] == "skills.training_hours"

    value = (
        await embedded.client.get(
            f"/v1/reports/contracts/{contract_id}/social-value", headers=buyer(embedded.tokens)
        )
    ).json()
    # 8 × £3,500 × 0.8 × 0.9 × 0.75 = 15,120; then 7,560 and 3,780 (drop-off 50 %)
    # PV = 15,120/1.035 + 7,560/1.071225 + 3,780/1.108717875
    #    = 14,608.6956521… + 7,057.3408947… + 3,409.3434274… = 25,075.3799743… → £25,075.38
    # SROI = 25,075.3799743… / 20,000 = 1.2537689… → 1.25
    (jobs_value,) = [v for v in value["indicators"] if v["indicator_code"] == "jobs.local_hires"]
    assert jobs_value["yearly_impact"] == [
        {"amount": "15120.00", "currency": "GBP"},
        {"amount": "7560.00", "currency": "GBP"},
        {"amount": "3780.00", "currency": "GBP"},
    ]
    assert value["total_present_value"] == {"amount": "25075.38", "currency": "GBP"}
    assert value["sroi_ratio"] == "1.25"


async def test_the_public_never_sees_a_small_sensitive_count(embedded: Embedded) -> None:
    contract_id, plan = await start_contract(embedded, "e-public")
    small = await report(embedded, "e-public", plan["id"], "jobs.local_hires", Q1, LSOA_A, "3")
    await verify(embedded, small["id"])
    big = await report(embedded, "e-public", plan["id"], "jobs.local_hires", Q1, LSOA_B, "21")
    await verify(embedded, big["id"])
    progress = (await embedded.client.get(f"/v1/reports/contracts/{contract_id}/progress")).json()
    (jobs,) = [i for i in progress["outcomes"] if i["indicator_code"] == "jobs.local_hires"]
    assert jobs["verified"] == {"value": "25", "suppressed": False}  # 24 rounded to 5
    assert jobs["reported_unverified"] is None
    area = (await embedded.client.get("/v1/reports/areas/E06000009")).json()
    (indicator,) = area["indicators"]
    figures = {row["area"]: row["total"] for row in indicator["areas"]}
    assert figures[LSOA_A] == {"value": None, "suppressed": True}
    assert figures[LSOA_B] == {"value": None, "suppressed": True}
    assert figures["E05015186"] == {"value": "25", "suppressed": False}
    assert [r["best_fit"] for r in indicator["areas"] if r["area"] == "E05015186"] == [True]
    export = await embedded.client.get("/v1/reports/export", params={"format": "csv"})
    assert export.headers["x-license"] == "Open Government Licence v3.0"
    assert "x-licence" not in export.headers  # one spelling across the platform
    lines = export.text.splitlines()
    assert lines[0].startswith("indicator_code,area,")
    values = [line.split(",")[8] for line in lines[1:]]
    assert not {"1", "2", "3", "4", "21", "24"} & set(values)
    ndjson = await embedded.client.get("/v1/reports/export", params={"format": "ndjson"})
    assert len(ndjson.text.splitlines()) == len(lines) - 1


async def test_each_decision_is_recorded_once_in_the_outbox(embedded: Embedded) -> None:
    _contract_id, plan = await start_contract(embedded, "e-events")
    first = await report(embedded, "e-events", plan["id"], "jobs.local_hires", Q1, LSOA_A, "5")
    await verify(embedded, first["id"])
    withdrawn = await embedded.client.post(
        f"/v1/observations/{first['id']}/verification-withdrawal",
        json={"reason": "duplicate payroll entry"},
        headers=buyer(embedded.tokens),
    )
    assert withdrawn.json()["status"] == "reported"
    replacement = await report(
        embedded, "e-events", plan["id"], "jobs.local_hires", Q1, LSOA_A, "4"
    )
    assert replacement["supersedes"] == first["id"]
    runtime = embedded.app.state.services.runtime
    async with runtime.sessions() as session:
        types = list(
            (
                await session.execute(
                    select(orm.outbox.c.event_type)
                    .where(orm.outbox.c.topic == "outcomes.observation.v1")
                    .order_by(orm.outbox.c.id)
                )
            ).scalars()
        )
    assert [t.split(".")[-2] for t in types] == [
        "reported",
        "verified",
        "verification_withdrawn",
        "superseded",
        "reported",
    ]
    listed = await embedded.client.get(
        "/v1/observations", params={"plan_id": plan["id"]}, headers=buyer(embedded.tokens)
    )
    statuses = [o["status"] for o in listed.json()["items"]]
    assert statuses == ["superseded", "reported"]
    assert Decimal(listed.json()["items"][1]["value"]) == 4


async def test_the_owner_revises_an_indicator_and_the_change_is_published(
    embedded: Embedded,
) -> None:
    fylde = embedded.tokens.bearer(embedded.tokens.council("GB-LAE-FYL", "E07000119"))
    created = await embedded.client.post(
        "/v1/indicators",
        json={
            "code": "fylde.beach_cleans",
            "name": "Beach cleans",
            "description": "Organised beach cleans.",
            "kind": "output",
            "unit": "count",
        },
        headers=fylde,
    )
    assert created.status_code == 201
    assert created.json()["owner"] == "GB-LAE-FYL"
    etag = created.headers["etag"]
    path = "/v1/indicators/fylde.beach_cleans"
    other = await embedded.client.patch(path, json={"name": "x"}, headers=buyer(embedded.tokens))
    assert other.status_code == 403
    renamed = await embedded.client.patch(
        path, json={"name": "Beach and dune cleans"}, headers={**fylde, "If-Match": etag}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Beach and dune cleans"
    stale = await embedded.client.patch(
        path, json={"name": "Again"}, headers={**fylde, "If-Match": etag}
    )
    assert stale.status_code == 412
    recoded = await embedded.client.patch(path, json={"code": "fylde.other"}, headers=fylde)
    assert recoded.status_code == 422
    runtime = embedded.app.state.services.runtime
    async with runtime.sessions() as session:
        types = list(
            (
                await session.execute(
                    select(orm.outbox.c.event_type).where(
                        orm.outbox.c.topic == "outcomes.indicator.v1",
                        orm.outbox.c.key == "fylde.beach_cleans",
                    )
                )
            ).scalars()
        )
    assert types == [
        "org.streetlevel.outcomes.indicator.created.v1",
        "org.streetlevel.outcomes.indicator.updated.v1",
    ]


async def test_a_retried_report_with_the_same_idempotency_key_creates_one_observation(
    embedded: Embedded,
) -> None:
    _contract_id, plan = await start_contract(embedded, "e-retry")
    body = {
        "plan_id": plan["id"],
        "indicator_code": "jobs.local_hires",
        "period": Q1,
        "area": LSOA_A,
        "value": "6",
    }
    h = {**supplier(embedded.tokens, "e-retry"), "Idempotency-Key": "report-q1-lsoa-a"}
    first = await embedded.client.post("/v1/observations", json=body, headers=h)
    again = await embedded.client.post("/v1/observations", json=body, headers=h)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    changed = await embedded.client.post("/v1/observations", json={**body, "value": "7"}, headers=h)
    assert changed.status_code == 422
    listed = await embedded.client.get(
        "/v1/observations", params={"plan_id": plan["id"]}, headers=buyer(embedded.tokens)
    )
    assert len(listed.json()["items"]) == 1


async def test_a_plan_carries_an_etag_per_version_and_view(embedded: Embedded) -> None:
    _contract_id, plan = await start_contract(embedded, "e-etag")
    path = f"/v1/plans/{plan['id']}"
    own = await embedded.client.get(path, headers=buyer(embedded.tokens))
    public = await embedded.client.get(path)
    assert (own.headers["etag"], public.headers["etag"]) == ('"v1"', '"v1-public"')
    cached = await embedded.client.get(
        path, headers={**buyer(embedded.tokens), "If-None-Match": '"v1"'}
    )
    assert cached.status_code == 304
    unknown = await embedded.client.patch(
        path, json={"contract_id": "other"}, headers=buyer(embedded.tokens)
    )
    assert unknown.status_code == 422
