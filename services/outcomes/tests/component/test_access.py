"""The access table of API.md, route by route, for the right and every wrong principal."""

from __future__ import annotations

from typing import Any

import pytest

from streetlevel.common.ids import new_id
from streetlevel.testing.tokens import TokenFactory

from ..support import LSOA_A
from .conftest import Embedded
from .test_api_flow import Q1, report, start_contract

SUPPLIER = "e-supplier"
PRINCIPALS = ["buyer", "other_council", "supplier", "other_enterprise", "registrar", "anonymous"]


def headers(tokens: TokenFactory, who: str) -> dict[str, str]:
    token = {
        "buyer": lambda: tokens.council("GB-LAE-BPL", "E06000009"),
        "other_council": lambda: tokens.council("GB-LAE-FYL", "E07000119"),
        "supplier": lambda: tokens.enterprise(SUPPLIER),
        "other_enterprise": lambda: tokens.enterprise("e-someone-else"),
        "registrar": lambda: tokens.registrar(),
    }.get(who)
    return tokens.bearer(token()) if token else {}


async def setup(env: Embedded) -> tuple[str, dict[str, Any], dict[str, Any]]:
    contract_id, plan = await start_contract(env, SUPPLIER)
    observation = await report(env, SUPPLIER, plan["id"], "jobs.local_hires", Q1, LSOA_A, "7")
    return contract_id, plan, observation


def expect(who: str, allowed: set[str]) -> int:
    if who in allowed:
        return 200
    return 401 if who == "anonymous" else 403


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_anyone_reads_the_catalogue_but_only_councils_and_admin_extend_it(
    embedded: Embedded, who: str
) -> None:
    h = headers(embedded.tokens, who)
    assert (await embedded.client.get("/v1/indicators", headers=h)).status_code == 200
    body = {
        "code": f"local.{new_id().hex[:8]}",
        "name": "Street parties held",
        "description": "Street parties organised with residents.",
        "kind": "output",
        "unit": "count",
        "themes": ["community-cohesion"],
    }
    response = await embedded.client.post("/v1/indicators", json=body, headers=h)
    allowed = {"buyer", "other_council", "registrar"}
    assert response.status_code == (201 if who in allowed else expect(who, set()))


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_buyer_and_supplier_see_the_whole_plan_and_everyone_else_its_targets(
    embedded: Embedded, who: str
) -> None:
    contract_id, plan, _observation = await setup(embedded)
    h = headers(embedded.tokens, who)
    one = await embedded.client.get(f"/v1/plans/{plan['id']}", headers=h)
    listed = await embedded.client.get("/v1/plans", params={"contract_id": contract_id}, headers=h)
    assert (one.status_code, listed.status_code) == (200, 200)
    full = who in {"buyer", "supplier"}
    assert ("assumptions" in one.json()) is full
    assert ("assumptions" in listed.json()["items"][0]) is full
    assert one.json()["indicators"][0]["targets"][0]["value"] == "12"


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_only_the_buyer_patches_a_plan(embedded: Embedded, who: str) -> None:
    _contract_id, plan, _observation = await setup(embedded)
    response = await embedded.client.patch(
        f"/v1/plans/{plan['id']}",
        json={"assumptions": {"deadweight": 10}},
        headers=headers(embedded.tokens, who),
    )
    assert response.status_code == expect(who, {"buyer"})


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_only_the_supplier_reports_an_observation(embedded: Embedded, who: str) -> None:
    _contract_id, plan, _observation = await setup(embedded)
    response = await embedded.client.post(
        "/v1/observations",
        json={
            "plan_id": plan["id"],
            "indicator_code": "jobs.local_hires",
            "period": {"start": "2026-04-01", "end": "2026-06-30"},
            "area": LSOA_A,
            "value": "2",
        },
        headers=headers(embedded.tokens, who),
    )
    assert response.status_code == (201 if who == "supplier" else expect(who, set()))


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_only_buyer_and_supplier_read_observations(embedded: Embedded, who: str) -> None:
    _contract_id, plan, observation = await setup(embedded)
    h = headers(embedded.tokens, who)
    listed = await embedded.client.get(
        "/v1/observations", params={"plan_id": plan["id"]}, headers=h
    )
    one = await embedded.client.get(f"/v1/observations/{observation['id']}", headers=h)
    status = expect(who, {"buyer", "supplier"})
    assert (listed.status_code, one.status_code) == (status, status)
    if status == 200:
        assert [o["value"] for o in listed.json()["items"]] == ["7"]


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_only_the_buyer_verifies_and_withdraws(embedded: Embedded, who: str) -> None:
    _contract_id, _plan, observation = await setup(embedded)
    h = headers(embedded.tokens, who)
    path = f"/v1/observations/{observation['id']}"
    verified = await embedded.client.post(
        f"{path}/verification", json={"decision": "verified"}, headers=h
    )
    assert verified.status_code == expect(who, {"buyer"})
    if who != "buyer":
        buyer = headers(embedded.tokens, "buyer")
        await embedded.client.post(
            f"{path}/verification", json={"decision": "verified"}, headers=buyer
        )
    withdrawn = await embedded.client.post(
        f"{path}/verification-withdrawal", json={"reason": "error"}, headers=h
    )
    assert withdrawn.status_code == expect(who, {"buyer"})


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_reports_are_open_with_exact_figures_only_for_buyer_and_supplier(
    embedded: Embedded, who: str
) -> None:
    contract_id, _plan, observation = await setup(embedded)
    buyer = headers(embedded.tokens, "buyer")
    await embedded.client.post(
        f"/v1/observations/{observation['id']}/verification",
        json={"decision": "verified"},
        headers=buyer,
    )
    h = headers(embedded.tokens, who)
    base = f"/v1/reports/contracts/{contract_id}"
    progress = await embedded.client.get(f"{base}/progress", headers=h)
    value = await embedded.client.get(f"{base}/social-value", headers=h)
    area = await embedded.client.get("/v1/reports/areas/E06000009", headers=h)
    export = await embedded.client.get("/v1/reports/export", headers=h)
    statuses = [r.status_code for r in (progress, value, area, export)]
    assert statuses == [200, 200, 200, 200]
    (jobs,) = [i for i in progress.json()["outcomes"] if i["indicator_code"] == "jobs.local_hires"]
    exact = who in {"buyer", "supplier"}
    assert jobs["verified"]["value"] == ("7" if exact else "5")
    assert progress.json()["disclosure_control"] is not exact
