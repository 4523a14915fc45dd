"""The registry's REST contract (API.md), run in embedded mode and again on PostgreSQL + Kafka."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import orjson
from sqlalchemy import select

from streetlevel.registry.adapters.orm import outbox

WARD = "E05015200"  # Squires Gate, Blackpool
LSOA_IN_WARD = "E01012726"
OTHER_WARD = "E05015186"
LAD = "E06000009"
PRIVATE = ("contact", "annual_turnover", "registered_by_client", "registered_by_org")


async def register(api: Any, token: str | None = None, **overrides: Any) -> dict[str, Any]:
    token = token or api.tokens.council()
    body = overrides.pop("_body")
    body.update(overrides)
    response = await api.client.post("/v1/enterprises", json=body, headers=api.tokens.bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def decide(api: Any, enterprise_id: str, action: str, payload: dict[str, Any]) -> Any:
    return await api.client.post(
        f"/v1/enterprises/{enterprise_id}/{action}",
        json=payload,
        headers=api.tokens.bearer(api.tokens.registrar()),
    )


async def verified(api: Any, body: Any, **overrides: Any) -> dict[str, Any]:
    created = await register(api, _body=body(**overrides))
    response = await decide(api, created["id"], "verification", {"decision": "verified"})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def events_of(api: Any, enterprise_id: str) -> list[dict[str, Any]]:
    async with api.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    envelopes = [orjson.loads(r.payload) for r in rows]
    # The open register's events (a private notice to the enterprise shares their subject).
    return [
        e
        for e in envelopes
        if e["subject"] == f"enterprise/{enterprise_id}" and "audience" not in e
    ]


async def test_registration_returns_201_with_location_etag_and_a_pending_record(api, body) -> None:
    owner = api.tokens.enterprise()
    response = await api.client.post(
        "/v1/enterprises", json=body(), headers=api.tokens.bearer(owner)
    )
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "pending"
    assert created["size"] == "small"
    assert created["version"] == 1
    assert response.headers["etag"] == '"v1"'
    assert response.headers["location"].endswith(f"/v1/enterprises/{created['id']}")
    assert created["contact"]["email"] == "hello@revoe-kitchen.example.org"
    assert created["annual_turnover"] == {"amount": "250000.00", "currency": "GBP"}
    anonymous = await api.client.get(f"/v1/enterprises/{created['id']}")
    assert anonymous.status_code == 404
    assert anonymous.headers["content-type"] == "application/problem+json"


async def test_a_second_enterprise_with_the_same_identifier_is_a_conflict(api, body) -> None:
    await register(api, _body=body())
    response = await api.client.post(
        "/v1/enterprises",
        json=body(name="Copycat", identifier={"scheme": "GB-COH", "id": "12345678"}),
        headers=api.tokens.bearer(api.tokens.council()),
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/conflict")


async def test_unknown_area_codes_are_refused_and_listed(api, body) -> None:
    response = await api.client.post(
        "/v1/enterprises",
        json=body(areas_served=[WARD, "E05999999", "E01999999"]),
        headers=api.tokens.bearer(api.tokens.council()),
    )
    assert response.status_code == 422
    problem = response.json()
    assert "E05999999" in problem["detail"]
    assert "E01999999" in problem["detail"]
    assert {e["msg"] for e in problem["errors"]} == {
        "unknown area code E01999999",
        "unknown area code E05999999",
    }


async def test_unknown_fields_and_bad_identifiers_are_422(api, body) -> None:
    headers = api.tokens.bearer(api.tokens.council())
    extra = await api.client.post("/v1/enterprises", json=body(status="verified"), headers=headers)
    assert extra.status_code == 422
    bad = await api.client.post(
        "/v1/enterprises",
        json=body(identifier={"scheme": "GB-COH", "id": "123"}),
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/validation")


async def test_patch_merges_honours_if_match_and_refuses_status(api, body) -> None:
    owner = api.tokens.enterprise()
    created = await register(api, owner, _body=body())
    url = f"/v1/enterprises/{created['id']}"
    headers = api.tokens.bearer(owner)
    response = await api.client.patch(
        url,
        json={"employees": 60, "contact": {"phone": None}, "website": None},
        headers={**headers, "If-Match": '"v1"', "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["size"] == "medium"
    assert updated["website"] is None
    assert updated["contact"] == {"email": "hello@revoe-kitchen.example.org", "phone": None}
    assert updated["version"] == 2
    assert response.headers["etag"] == '"v2"'
    stale = await api.client.patch(
        url, json={"employees": 1}, headers={**headers, "If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    status = await api.client.patch(url, json={"status": "verified"}, headers=headers)
    assert status.status_code == 422
    unknown = await api.client.patch(url, json={"colour": "red"}, headers=headers)
    assert unknown.status_code == 422
    bad = await api.client.patch(url, json={"trading_income_pct": 101}, headers=headers)
    assert bad.status_code == 422


async def test_if_none_match_returns_304(api, body) -> None:
    created = await verified(api, body)
    url = f"/v1/enterprises/{created['id']}"
    first = await api.client.get(url)
    assert first.status_code == 200
    again = await api.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


async def test_the_lifecycle_moves_through_its_states_and_refuses_illegal_moves(api, body) -> None:
    created = await register(api, _body=body())
    eid = created["id"]
    early = await decide(api, eid, "suspension", {"reason": "too early"})
    assert early.status_code == 409
    assert early.json()["type"].endswith("/invalid-transition")
    assert (await decide(api, eid, "verification", {"decision": "verified", "note": "ok"})).json()[
        "status"
    ] == "verified"
    public = await api.client.get(f"/v1/enterprises/{eid}")
    assert public.status_code == 200
    assert not set(PRIVATE) & set(public.json())
    assert (await decide(api, eid, "suspension", {"reason": "complaint"})).json()[
        "status"
    ] == "suspended"
    assert (await decide(api, eid, "reinstatement", {"reason": "resolved"})).json()[
        "status"
    ] == "verified"
    dissolved = await decide(api, eid, "dissolution", {"reason": "wound up"})
    assert dissolved.json()["status"] == "dissolved"
    again = await decide(api, eid, "dissolution", {"reason": "twice"})
    assert again.status_code == 409
    types = [e["type"].removeprefix("org.streetlevel.") for e in await events_of(api, eid)]
    assert types == [
        "registry.enterprise.registered.v1",
        "registry.enterprise.verified.v1",
        "registry.enterprise.suspended.v1",
        "registry.enterprise.reinstated.v1",
        "registry.enterprise.dissolved.v1",
    ]


async def test_events_carry_only_the_public_record(api, body) -> None:
    owner = api.tokens.enterprise()
    created = await register(api, owner, _body=body(identifier=None, legal_form="sole_trader"))
    await api.client.patch(
        f"/v1/enterprises/{created['id']}",
        json={"mission": "Cooking for neighbours."},
        headers=api.tokens.bearer(owner),
    )
    envelopes = await events_of(api, created["id"])
    assert [e["sequence"] for e in envelopes] == ["1", "2"]
    assert envelopes[1]["data"]["changed_fields"] == ["mission"]
    for envelope in envelopes:
        raw = json.dumps(envelope)
        assert "hello@revoe-kitchen" not in raw
        assert "Central Drive" not in raw
        assert "annual_turnover" not in raw
        # The turnover as a value; a timestamp's ".250000" or an id's digits are not it.
        assert not re.search(r"(?<![\w.:-])250000(?![\w])", raw), raw
        assert envelope["data"]["enterprise"]["address"] is None


async def test_history_records_who_when_what_and_the_request_id(api, body) -> None:
    owner = api.tokens.enterprise()
    created = await register(api, owner, _body=body())
    headers = api.tokens.bearer(owner)
    await api.client.patch(
        f"/v1/enterprises/{created['id']}",
        json={"name": "Revoe Kitchen CIC"},
        headers={**headers, "X-Request-ID": "req-rename-1"},
    )
    response = await api.client.get(f"/v1/enterprises/{created['id']}/history", headers=headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action"] for i in items] == ["registered", "updated"]
    assert items[1]["patch"] == [{"op": "replace", "path": "/name", "value": "Revoe Kitchen CIC"}]
    assert items[1]["request_id"] == "req-rename-1"
    assert items[1]["actor"].startswith(items[1]["client_id"])
    assert items[1]["at"].endswith("Z")
    assert {"op": "add", "path": "/legal_form", "value": "cic_limited_by_guarantee"} in items[0][
        "patch"
    ]


async def test_the_social_enterprise_check_is_public_for_public_records(api, body) -> None:
    created = await verified(api, body)
    response = await api.client.get(f"/v1/enterprises/{created['id']}/social-enterprise-check")
    assert response.status_code == 200
    result = response.json()
    by_code = {c["code"]: c for c in result["criteria"]}
    assert by_code["asset_lock"]["result"] == "met"
    assert by_code["trading_income"]["result"] == "met"
    assert result["result"] == "met"


async def test_search_filters_by_area_hierarchy_theme_form_size_and_accreditation(
    api, body
) -> None:
    ward = await verified(api, body, name="Ward Kitchen", areas_served=[WARD])
    lsoa = await verified(
        api,
        body,
        name="Lsoa Gardeners",
        identifier={"scheme": "GB-COH", "id": "22222222"},
        areas_served=[LSOA_IN_WARD],
        mission="Community gardens on estates.",
        themes=["environment"],
        employees=3,
        accreditations=[],
        services=[],
    )
    other = await verified(
        api,
        body,
        name="Anchorsholme Co-op",
        legal_form="cooperative_society",
        identifier={"scheme": "GB-MPR", "id": "12345R"},
        areas_served=[OTHER_WARD],
        mission="A shop owned by its members.",
        services=[],
    )
    await register(
        api,
        _body=body(name="Pending Place", identifier=None, legal_form="unincorporated_association"),
    )

    async def names(**params: Any) -> list[str]:
        response = await api.client.get("/v1/enterprises", params=params)
        assert response.status_code == 200, response.text
        return [i["name"] for i in response.json()["items"]]

    assert await names() == ["Anchorsholme Co-op", "Lsoa Gardeners", "Ward Kitchen"]
    assert await names(area=WARD) == ["Lsoa Gardeners", "Ward Kitchen"]
    assert await names(area=LSOA_IN_WARD) == ["Lsoa Gardeners", "Ward Kitchen"]
    assert await names(area=LAD) == ["Anchorsholme Co-op", "Lsoa Gardeners", "Ward Kitchen"]
    assert await names(theme="environment") == ["Lsoa Gardeners"]
    assert await names(legal_form="cooperative_society") == ["Anchorsholme Co-op"]
    assert await names(size="micro") == ["Lsoa Gardeners"]
    assert await names(accreditation="Social Enterprise Mark") == [
        "Anchorsholme Co-op",
        "Ward Kitchen",
    ]
    assert await names(status="pending") == []
    assert await names(q="cooking") == ["Ward Kitchen"]
    assert await names(q="gardeners", sort="name") == ["Lsoa Gardeners"]
    assert await names(updated_since="2030-01-01T00:00:00Z") == []
    assert {ward["id"], lsoa["id"], other["id"]} == {
        i["id"] for i in (await api.client.get("/v1/enterprises")).json()["items"]
    }


async def test_keyset_pages_are_stable_and_linked(api, body) -> None:
    for number in range(5):
        await verified(
            api,
            body,
            name="Same Name",
            identifier={"scheme": "GB-COH", "id": f"3000000{number}"},
        )
    seen: list[str] = []
    url = "/v1/enterprises?limit=2&sort=name"
    cursor = None
    while True:
        response = await api.client.get(url + (f"&cursor={cursor}" if cursor else ""))
        page = response.json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
    assert len(seen) == 5
    assert seen == sorted(seen)
    newest = (await api.client.get("/v1/enterprises?sort=-updated_at&limit=200")).json()
    assert len(newest["items"]) == 5
    assert (await api.client.get("/v1/enterprises?limit=201")).status_code == 422
    assert (await api.client.get("/v1/enterprises?cursor=%%%")).status_code == 422


async def test_exports_stream_the_public_register_under_the_ogl(api, body) -> None:
    await verified(api, body)
    await register(
        api, _body=body(name="Secret Pending", identifier={"scheme": "GB-COH", "id": "87654321"})
    )
    ndjson = await api.client.get("/v1/enterprises/export?format=ndjson")
    assert ndjson.status_code == 200
    assert ndjson.headers["x-license"] == "Open Government Licence v3.0"
    assert 'rel="license"' in ndjson.headers["link"]
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert lines[0]["_meta"]["license"] == "Open Government Licence v3.0"
    assert [r["name"] for r in lines[1:]] == ["Revoe Community Kitchen CIC"]
    assert "contact" not in lines[1]
    assert "Secret Pending" not in ndjson.text
    assert "hello@revoe" not in ndjson.text
    text = (await api.client.get("/v1/enterprises/export?format=csv")).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == ["Revoe Community Kitchen CIC"]
    assert rows[0]["identifier_id"] == "12345678"
    assert (await api.client.get("/v1/enterprises/export?format=xml")).status_code == 422


async def test_areas_list_by_type_and_parent_and_show_parents_and_children(api) -> None:
    wards = (await api.client.get(f"/v1/areas?type=ward&parent={LAD}&limit=200")).json()
    codes = [w["code"] for w in wards["items"]]
    assert codes == [f"E0501{n}" for n in range(5186, 5207)]
    page = (await api.client.get("/v1/areas?type=lsoa&limit=50")).json()
    rest = await api.client.get(f"/v1/areas?type=lsoa&limit=50&cursor={page['next_cursor']}")
    assert len(page["items"]) + len(rest.json()["items"]) == 94
    found = (await api.client.get("/v1/areas?q=squires")).json()["items"]
    assert [a["code"] for a in found] == [WARD]
    detail = (await api.client.get(f"/v1/areas/{LSOA_IN_WARD}")).json()
    assert [p["code"] for p in detail["parents"]] == [WARD, LAD]
    ward = (await api.client.get(f"/v1/areas/{WARD}")).json()
    assert LSOA_IN_WARD in [c["code"] for c in ward["children"]]
    assert (await api.client.get("/v1/areas/E05999999")).status_code == 404


async def test_themes_are_a_fixed_list(api) -> None:
    themes = (await api.client.get("/v1/themes")).json()["items"]
    assert len(themes) == 12
    assert {"employment-skills", "food", "digital-inclusion"} <= {t["code"] for t in themes}


async def test_hsds_export_validates_against_the_hsds_3_organization_schema(
    api, body, hsds_validator
) -> None:
    await verified(api, body)
    await verified(
        api,
        body,
        name="No Services Co-op",
        legal_form="cooperative_society",
        identifier={"scheme": "GB-MPR", "id": "4321R"},
        services=[],
        website=None,
        founded_on=None,
    )
    response = await api.client.get("/v1/enterprises/export?format=hsds")
    assert response.status_code == 200
    document = response.json()
    assert document["license"] == "Open Government Licence v3.0"
    organisations = document["contents"]
    assert len(organisations) == 2
    errors = [e.message for org in organisations for e in hsds_validator.iter_errors(org)]
    assert errors == []
    with_services = next(o for o in organisations if o["services"])
    assert with_services["services"][0]["service_areas"][0]["extent"] == WARD


async def test_a_retried_registration_with_the_same_idempotency_key_registers_once(
    api, body
) -> None:
    headers = {**api.tokens.bearer(api.tokens.council()), "Idempotency-Key": "reg-42"}
    first = await api.client.post("/v1/enterprises", json=body(), headers=headers)
    again = await api.client.post("/v1/enterprises", json=body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await events_of(api, first.json()["id"])) == 1
    other = await api.client.post(
        "/v1/enterprises", json=body(name="Another name"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-conflict")
