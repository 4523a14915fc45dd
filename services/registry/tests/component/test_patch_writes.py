"""A merge patch writes only what changed: every field still reads back, search keys follow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from streetlevel.registry.adapters.orm import areas

WARD = "E05015200"  # Squires Gate, Blackpool
OTHER_WARD = "E05015186"
MERGE = {"Content-Type": "application/merge-patch+json"}


async def registered(api: Any, body: dict[str, Any]) -> str:
    response = await api.client.post(
        "/v1/enterprises", json=body, headers=api.tokens.bearer(api.tokens.council())
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def patch(api: Any, enterprise_id: str, changes: dict[str, Any]) -> Any:
    registrar = api.tokens.bearer(api.tokens.registrar())
    return await api.client.patch(
        f"/v1/enterprises/{enterprise_id}", json=changes, headers={**registrar, **MERGE}
    )


async def test_a_patch_of_every_field_reads_back_and_moves_the_search_keys(api, body) -> None:
    eid = await registered(api, body())
    changes: dict[str, Any] = {
        "identifier": {"scheme": "GB-COH", "id": "87654321"},
        "name": "Squires Gate Growers CIC",
        "mission": "Allotments for every street.",
        "themes": ["environment"],
        "areas_served": [OTHER_WARD],
        "website": "https://growers.example.org",
        "employees": 300,
        "trading_income_pct": 55.5,
        "profit_reinvested_pct": 90,
        "asset_lock": True,
        "independent": False,
        "publishes_social_report": False,
        "accreditations": ["Living Wage Employer"],
        "services": [{"name": "Seed swap", "description": "Monthly exchange of heirloom seeds."}],
        "founded_on": "2001-02-03",
        "contact": {"email": "grow@growers.example.org", "phone": None},
        "address": {"lines": ["2 Lytham Road"], "town": "Blackpool", "postcode": "FY4 1AB"},
        "annual_turnover": {"amount": "12345.67", "currency": "GBP"},
    }
    response = await patch(api, eid, changes)
    assert response.status_code == 200, response.text

    registrar = api.tokens.bearer(api.tokens.registrar())
    record = (await api.client.get(f"/v1/enterprises/{eid}", headers=registrar)).json()
    expected = {
        **changes,
        "services": [{**changes["services"][0], "themes": [], "areas": []}],
        "size": "large",
        "version": 2,
    }
    assert {name: record[name] for name in expected} == expected

    async def found(**params: Any) -> bool:
        page = await api.client.get("/v1/enterprises", params=params, headers=registrar)
        assert page.status_code == 200, page.text
        return eid in {item["id"] for item in page.json()["items"]}

    assert await found(theme="environment")
    assert not await found(theme="food")
    assert await found(area=OTHER_WARD)
    assert not await found(area=WARD)
    assert await found(accreditation="Living Wage Employer")
    assert not await found(accreditation="Social Enterprise Mark")
    assert await found(size="large")
    assert await found(q="heirloom")
    assert not await found(q="cooking")


async def test_a_patch_checks_the_references_it_changes_and_no_others(api, body) -> None:
    first = await registered(api, body(areas_served=[WARD]))
    second = await registered(
        api, body(name="Second", identifier={"scheme": "GB-COH", "id": "22222222"})
    )
    # The reference no longer knows a ward the record already serves (a reload dropped it).
    async with api.app.state.runtime.engine.begin() as conn:
        await conn.execute(delete(areas).where(areas.c.code == WARD))

    unrelated = await patch(api, first, {"mission": "Still serving Squires Gate."})
    assert unrelated.status_code == 200, unrelated.text
    same_identifier = await patch(
        api, first, {"identifier": {"scheme": "GB-COH", "id": "12345678"}, "employees": 13}
    )
    assert same_identifier.status_code == 200, same_identifier.text

    added = await patch(api, first, {"areas_served": [WARD, OTHER_WARD, "E05999999"]})
    assert added.status_code == 422
    assert {e["msg"] for e in added.json()["errors"]} == {"unknown area code E05999999"}
    taken = await patch(api, second, {"identifier": {"scheme": "GB-COH", "id": "12345678"}})
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("/conflict")
