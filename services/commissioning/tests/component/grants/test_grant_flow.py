"""A ward grant round over the API: vote, award, pay, report, publish as 360Giving."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

CONTACT = "Jo Bloggs, 07700 900123"


async def five_applications(h: Any, kit: Any, programme_id: str) -> list[dict[str, Any]]:
    """Five groups of different legal forms, one an unincorporated residents' association."""
    forms = [
        ("Anchorsholme Residents", "unincorporated_association", None),
        ("Green Streets CIC", "cic_limited_by_guarantee", {"scheme": "GB-COH", "id": "12345678"}),
        ("Food Share Trust", "charitable_incorporated_organisation", None),
        ("Cleveleys Sole Gardener", "sole_trader", None),
        ("Youth Club Charity", "charitable_company", {"scheme": "GB-CHC", "id": "1234567"}),
    ]
    made = []
    for i, (name, form, ident) in enumerate(forms):
        address = {"lines": ["1 Home Street"], "town": "Blackpool", "postcode": "FY5 1AA"}
        eid = await kit.group(h, name, legal_form=form, identifier=ident, address=address)
        made.append(await kit.apply(h, programme_id, eid, f"{800 + 100 * i}.00", contact=CONTACT))
    return made


def vote(apps: list[dict[str, Any]], awarded: int) -> dict[str, Any]:
    results = []
    for i, a in enumerate(apps):
        item: dict[str, Any] = {
            "application_id": a["id"],
            "result": "awarded" if i < awarded else "declined",
            "votes": {"for": 90 - 10 * i, "against": 10 + 5 * i},
        }
        if i < awarded:
            item["amount"] = a["amount_requested"]
        results.append(item)
    return {"method": "residents_vote", "turnout": 140, "results": results}


async def test_a_ward_round_decided_by_residents_is_paid_reported_and_published(
    harness: Any, grants_kit: Any, validate_360: Any
) -> None:
    h, kit = harness, grants_kit
    p = await kit.open_programme(h)
    assert p["status"] == "open"
    assert p["committed"] == {"amount": "0.00", "currency": "GBP"}
    apps = await five_applications(h, kit, p["id"])
    decided = await h.client.post(
        f"/v1/grant-programmes/{p['id']}/decisions", json=vote(apps, 4), headers=h.council()
    )
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert [r["result"] for r in body["decision"]["results"]] == ["awarded"] * 4 + ["declined"]
    assert body["decision"]["results"][0]["votes"] == {"for": 90, "against": 10}
    assert body["decision"]["turnout"] == 140
    grants = body["grants"]
    assert len(grants) == 4
    assert all(g["payment"] == "upfront" and len(g["instalments"]) == 1 for g in grants)
    after = (await h.client.get(f"/v1/grant-programmes/{p['id']}")).json()
    assert after["committed"]["amount"] == "3800.00"  # 800 + 900 + 1000 + 1100
    assert (await h.client.get(f"/v1/grant-programmes/{p['id']}/decisions")).json()["items"] == [
        body["decision"]
    ]

    first = grants[0]
    paid = await h.client.post(
        f"/v1/grants/{first['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "BACS-0001"},
        headers=h.council(),
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert paid.json()["instalments"][0]["reference"] == "BACS-0001"
    again = await h.client.post(
        f"/v1/grants/{first['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "BACS-0002"},
        headers=h.council(),
    )
    assert again.status_code == 409  # nothing is paid twice
    public = (await h.client.get(f"/v1/grants/{first['id']}")).json()
    assert "reference" not in public["instalments"][0]

    recipient = h.bidder(first["recipient"]["enterprise_id"])
    reported = await h.client.post(
        f"/v1/grants/{first['id']}/report",
        json={
            "what_happened": "Forty planters, one street party",
            "people_reached": 150,
            "figures": {"loneliness-reduced": "12"},
        },
        headers=recipient,
    )
    assert reported.status_code == 200, reported.text
    assert reported.json()["status"] == "reported"
    assert reported.json()["report"]["figures"] == [
        {"indicator_code": "loneliness-reduced", "value": "12"}
    ]

    published = await h.published()
    mine = [e for e in published if e.short_type.startswith("commissioning.grant.")]
    assert [e.short_type for e in mine].count("commissioning.grant.awarded.v1") == 4
    assert {e.short_type for e in mine} == {
        "commissioning.grant.programme_opened.v1",
        "commissioning.grant.decision_published.v1",
        "commissioning.grant.awarded.v1",
        "commissioning.grant.paid.v1",
        "commissioning.grant.reported.v1",
    }
    raw = b"".join(e.to_json() for e in mine)
    assert CONTACT.encode() not in raw
    assert b"BACS-0001" not in raw
    assert b"Home Street" not in raw

    package = (await h.client.get("/v1/grants/360giving")).json()
    assert validate_360(package) == []
    broken = {**package, "grants": [{**package["grants"][0], "awardDate": "30/11/2026"}]}
    assert validate_360(broken) != []  # the validator does check
    ours = [g for g in package["grants"] if g["grantProgramme"][0]["title"] == p["title"]]
    assert len(ours) == 4
    assert all(g["id"].startswith("360G-streetlevel-") for g in ours)
    by_name = {g["recipientOrganization"][0]["name"]: g for g in ours}
    cic = by_name["Green Streets CIC"]["recipientOrganization"][0]
    assert cic["id"] == "GB-COH-12345678"
    assert cic["companyNumber"] == "12345678"
    assert cic["postalCode"] == "FY5 1AA"
    residents = by_name["Anchorsholme Residents"]
    org = residents["recipientOrganization"][0]
    assert "postalCode" not in org
    assert "addressLocality" not in org
    assert residents["beneficiaryLocation"] == [
        {
            "geoCode": kit.ward,
            "countryCode": "GB",
            "name": residents["beneficiaryLocation"][0]["name"],
            "geoCodeType": "WD",
        }
    ]
    assert residents["fundingOrganization"] == [{"id": "GB-LAE-BPL", "name": "Blackpool Council"}]
    assert residents["amountDisbursed"] == 800.0
    sole = by_name["Cleveleys Sole Gardener"]["recipientOrganization"][0]
    assert "postalCode" not in sole
    text = str(package)
    assert CONTACT not in text
    assert "Home Street" not in text
    assert "BACS-0001" not in text


async def test_the_budget_cannot_be_over_committed(harness: Any, grants_kit: Any) -> None:
    h, kit = harness, grants_kit
    p = await kit.open_programme(h, budget={"amount": "2000.00"})
    apps = [
        await kit.apply(h, p["id"], await kit.group(h, f"Group {i}"), "1000.00") for i in range(3)
    ]
    over = await h.client.post(
        f"/v1/grant-programmes/{p['id']}/decisions",
        json={
            "method": "panel",
            "panel": ["Cllr A. Smith", "Ward officer"],
            "results": [
                {"application_id": a["id"], "result": "awarded", "amount": {"amount": "1000.00"}}
                for a in apps
            ],
        },
        headers=h.council(),
    )
    assert over.status_code == 409, over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert over.json()["committed"] == "0.00"
    # Nothing of the refused decision stuck: two awards still fit.
    ok = await h.client.post(
        f"/v1/grant-programmes/{p['id']}/decisions",
        json={
            "method": "panel",
            "panel": ["Cllr A. Smith"],
            "results": [
                {"application_id": a["id"], "result": "awarded", "amount": {"amount": "1000.00"}}
                for a in apps[:2]
            ],
        },
        headers=h.council(),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["decision"]["panel"] == ["Cllr A. Smith"]
    third = await h.client.post(
        f"/v1/grant-programmes/{p['id']}/decisions",
        json={
            "method": "panel",
            "panel": ["Cllr A. Smith"],
            "results": [
                {"application_id": apps[2]["id"], "result": "awarded", "amount": {"amount": "0.01"}}
            ],
        },
        headers=h.council(),
    )
    assert third.status_code == 409


async def test_a_staged_grant_pays_in_instalments_that_sum_to_it(
    harness: Any, grants_kit: Any
) -> None:
    h, kit = harness, grants_kit
    p = await kit.open_programme(h)
    a = await kit.apply(h, p["id"], await kit.group(h, "Staged CIC"), "1200.00")
    url = f"/v1/grant-programmes/{p['id']}/decisions"

    def body(second: str) -> dict[str, Any]:
        return {
            "method": "panel",
            "panel": ["Panel chair"],
            "results": [
                {
                    "application_id": a["id"],
                    "result": "awarded",
                    "amount": {"amount": "1200.00"},
                    "instalments": [
                        {"due_on": "2026-12-01", "amount": {"amount": "600.00"}},
                        {"due_on": "2027-03-01", "amount": {"amount": second}},
                    ],
                }
            ],
        }

    bad = await h.client.post(url, json=body("500.00"), headers=h.council())
    assert bad.status_code == 422
    good = await h.client.post(url, json=body("600.00"), headers=h.council())
    assert good.status_code == 201, good.text
    grant = good.json()["grants"][0]
    assert grant["payment"] == "staged"
    assert [i["due_on"] for i in grant["instalments"]] == ["2026-12-01", "2027-03-01"]
    gid = grant["id"]
    # Each instalment is a payable received on its date, due the programme's 30 days later.
    assert [(x["received_on"], x["due_on"]) for x in grant["payables"]] == [
        ("2026-12-01", "2026-12-31"),
        ("2027-03-01", "2027-03-31"),
    ]
    early = await h.client.post(
        f"/v1/grants/{gid}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": "R0"},
        headers=h.council(),
    )
    assert early.status_code == 422  # not before its date, like any payable
    h.clock.set(datetime(2026, 12, 1, 12, tzinfo=UTC))
    one = await h.client.post(
        f"/v1/grants/{gid}/instalments/1/paid",
        json={"paid_on": "2026-12-01", "reference": "R1"},
        headers=h.council(),
    )
    assert one.json()["status"] == "awarded"
    assert one.json()["paid_total"]["amount"] == "600.00"
    missing = await h.client.post(
        f"/v1/grants/{gid}/instalments/3/paid",
        json={"paid_on": "2026-12-01", "reference": "R3"},
        headers=h.council(),
    )
    assert missing.status_code == 422


async def test_the_short_form_is_checked(harness: Any, grants_kit: Any) -> None:
    h, kit = harness, grants_kit
    p = await kit.open_programme(h)
    eid = await kit.group(h, "Eager Group")
    base = {"programme_id": p["id"], "purpose": "x", "people_reached": 10}
    too_much = await h.client.post(
        "/v1/grant-applications",
        json={**base, "amount_requested": {"amount": "1500.01"}},
        headers=h.bidder(eid),
    )
    assert too_much.status_code == 422
    pending = await kit.group(h, "Unverified Group", status="pending")
    refused = await h.client.post(
        "/v1/grant-applications",
        json={**base, "amount_requested": {"amount": "100.00"}},
        headers=h.bidder(pending),
    )
    assert refused.status_code == 422
    assert refused.json()["unmet"][0]["rule"] == "verified_only"
    await kit.apply(h, p["id"], eid, "100.00")
    twice = await h.client.post(
        "/v1/grant-applications",
        json={**base, "amount_requested": {"amount": "200.00"}},
        headers=h.bidder(eid),
    )
    assert twice.status_code == 409  # one waiting application per group and programme
    outside = await h.client.post(
        "/v1/grant-programmes",
        json=kit.programme_body(areas=["E05999999"]),
        headers=h.council(),
    )
    assert outside.status_code == 422
    fylde = await h.client.post(
        "/v1/grant-programmes",
        json=kit.programme_body(),
        headers=h.council("GB-LAE-FYL", "E07000119"),
    )
    assert fylde.status_code == 422  # a Blackpool ward is outside Fylde
    closed = await h.client.post(f"/v1/grant-programmes/{p['id']}/close", headers=h.council())
    assert closed.json()["status"] == "closed"
    late = await h.client.post(
        "/v1/grant-applications",
        json={**base, "amount_requested": {"amount": "100.00"}},
        headers=h.bidder(await kit.group(h, "Late Group")),
    )
    assert late.status_code == 409


async def test_programmes_list_by_area_and_council_and_page(harness: Any, grants_kit: Any) -> None:
    h, kit = harness, grants_kit
    made = [await kit.open_programme(h, title=f"Paged fund {i}") for i in range(3)]
    other = await kit.open_programme(h, title="Other ward fund", areas=["E05015187"])
    ward = await h.client.get("/v1/grant-programmes", params={"area": kit.ward, "limit": 2})
    assert ward.status_code == 200
    first = ward.json()
    assert len(first["items"]) == 2
    assert other["id"] not in [p["id"] for p in first["items"]]
    seen = [p["id"] for p in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await h.client.get(
                "/v1/grant-programmes", params={"area": kit.ward, "limit": 2, "cursor": cursor}
            )
        ).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert {p["id"] for p in made} <= set(seen)
    assert other["id"] not in seen
    fylde = await h.client.get("/v1/grant-programmes", params={"council": "GB-LAE-FYL"})
    assert fylde.json()["items"] == []
