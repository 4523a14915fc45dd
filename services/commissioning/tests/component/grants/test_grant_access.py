"""Every grant route × owner council, other council, applicant, other enterprise, registrar,
anonymous: status codes, and the private values each may (not) see."""

from __future__ import annotations

from typing import Any

PRINCIPALS = ("owner", "other_council", "applicant", "other_enterprise", "registrar", "anonymous")
CONTACT, REFERENCE = "SECRET-CONTACT-07700", "SECRET-BACS-REF"
# (method, path, body, expected status per principal; None: a permitted write done elsewhere)
Row = tuple[str, str, dict[str, Any] | None, tuple[int | None, ...]]
PAID = {"paid_on": "2026-11-23", "reference": "x"}
REPORT = {"what_happened": "x", "people_reached": 1}
DECISION = {
    "method": "panel",
    "panel": ["x"],
    "results": [{"application_id": "none", "result": "declined"}],
}


def rows(programme_body: dict[str, Any]) -> list[Row]:
    ok = (200,) * 6
    return [
        ("GET", "/v1/grant-programmes", None, ok),
        ("GET", "/v1/grant-programmes/{p}", None, ok),
        ("GET", "/v1/grant-programmes/{p}/decisions", None, ok),
        ("POST", "/v1/grant-programmes", programme_body, (None, 422, 403, 403, 403, 401)),
        ("POST", "/v1/grant-programmes/{p}/decisions", DECISION, (422, 403, 403, 403, 403, 401)),
        ("GET", "/v1/grant-applications", None, ok),
        ("GET", "/v1/grant-applications/{a}", None, (200, 404, 200, 404, 404, 404)),
        (
            "POST",
            "/v1/grant-applications",
            {
                "programme_id": "{p}",
                "amount_requested": {"amount": "10.00"},
                "purpose": "x",
                "people_reached": 1,
            },
            (403, 403, None, None, 403, 401),
        ),
        ("GET", "/v1/grants", None, ok),
        ("GET", "/v1/grants/360giving", None, ok),
        ("GET", "/v1/grants/{g}", None, ok),
        ("POST", "/v1/grants/{g}/instalments/1/paid", PAID, (409, 403, 403, 403, 403, 401)),
        ("POST", "/v1/grants/{g}/report", REPORT, (403, 403, None, 403, 403, 401)),
        ("POST", "/v1/grant-programmes/{p}/close", None, (None, 403, 403, 403, 403, 401)),
    ]


def may_see(principal: str) -> set[str]:
    return {CONTACT, REFERENCE} if principal in ("owner", "applicant") else set()


async def test_every_grant_route_checks_its_principal(harness: Any, grants_kit: Any) -> None:
    h, kit = harness, grants_kit
    applicant = await kit.group(h, "Matrix Residents", legal_form="unincorporated_association")
    other = await kit.group(h, "Other Group")
    headers = {
        "owner": h.council(),
        "other_council": h.council(org="GB-LAE-FYL", area="E07000119"),
        "applicant": h.bidder(applicant),
        "other_enterprise": h.bidder(other),
        "registrar": h.registrar(),
        "anonymous": {},
    }
    p = await kit.open_programme(h)
    a = await kit.apply(h, p["id"], applicant, "500.00", contact=CONTACT)
    decided = await h.client.post(
        f"/v1/grant-programmes/{p['id']}/decisions",
        json={
            "method": "panel",
            "panel": ["Chair"],
            "results": [
                {"application_id": a["id"], "result": "awarded", "amount": {"amount": "500.00"}}
            ],
        },
        headers=headers["owner"],
    )
    g = decided.json()["grants"][0]
    paid = await h.client.post(
        f"/v1/grants/{g['id']}/instalments/1/paid",
        json={"paid_on": "2026-11-23", "reference": REFERENCE},
        headers=headers["owner"],
    )
    assert paid.status_code == 200
    ids = {"p": p["id"], "a": a["id"], "g": g["id"]}
    failures = []
    for method, template, body, expected in rows(kit.programme_body()):
        path = template.format(**ids)
        if body is not None and body.get("programme_id") == "{p}":
            body = {**body, "programme_id": p["id"]}
        for principal, want in zip(PRINCIPALS, expected, strict=True):
            if want is None:
                continue
            r = await h.client.request(method, path, json=body, headers=headers[principal])
            if r.status_code != want:
                failures.append(f"{principal} {method} {template}: {r.status_code} != {want}")
            for secret in {CONTACT, REFERENCE} - may_see(principal):
                if secret in r.text:
                    failures.append(f"{principal} {method} {template} leaks {secret}")
    assert failures == []
    # The permitted writes, each by its one principal.
    report = await h.client.post(
        f"/v1/grants/{g['id']}/report", json=REPORT, headers=headers["applicant"]
    )
    assert report.status_code == 200
    closed = await h.client.post(f"/v1/grant-programmes/{p['id']}/close", headers=headers["owner"])
    assert closed.status_code == 200
    mine = (await h.client.get("/v1/grant-applications", headers=headers["applicant"])).json()
    assert [x["id"] for x in mine["items"]] == [a["id"]]
    theirs = (await h.client.get("/v1/grant-applications", headers=headers["owner"])).json()
    assert a["id"] in [x["id"] for x in theirs["items"]]
    for name in ("other_council", "other_enterprise", "registrar", "anonymous"):
        seen = (await h.client.get("/v1/grant-applications", headers=headers[name])).json()
        assert a["id"] not in [x["id"] for x in seen["items"]], name
