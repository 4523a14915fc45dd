"""Every route × every principal, against API.md's access table."""

from __future__ import annotations

from typing import Any

import pytest

PRINCIPALS = ("owner", "other_enterprise", "council", "other_council", "registrar", "anonymous")


def bearer(api: Any, who: str, enterprise_id: str) -> dict[str, str]:
    t = api.tokens
    token = {
        "owner": lambda: t.enterprise(enterprise_id),
        "other_enterprise": lambda: t.enterprise("0190d0c4-0000-7000-8000-000000000001"),
        "council": lambda: t.council("GB-LAE-BPL", "E06000009"),
        "other_council": lambda: t.council("GB-LAE-FYL", "E07000119"),
        "registrar": t.registrar,
        "anonymous": lambda: None,
    }[who]()
    return t.bearer(token) if token else {}


async def prepare(api: Any, body: Any, state: str, number: int) -> str:
    """An enterprise registered by Blackpool Council, moved to ``state`` by the registrar."""
    created = await api.client.post(
        "/v1/enterprises",
        json=body(identifier={"scheme": "GB-COH", "id": f"{number:08d}"}),
        headers=api.tokens.bearer(api.tokens.council()),
    )
    assert created.status_code == 201, created.text
    eid = str(created.json()["id"])
    registrar = api.tokens.bearer(api.tokens.registrar())
    steps = {
        "pending": [],
        "verified": [("verification", {"decision": "verified"})],
        "suspended": [("verification", {"decision": "verified"}), ("suspension", {"reason": "r"})],
    }[state]
    for action, payload in steps:
        moved = await api.client.post(
            f"/v1/enterprises/{eid}/{action}", json=payload, headers=registrar
        )
        assert moved.status_code == 200, moved.text
    return eid


# (method, path, json, state, {principal: status}); "full"/"public" say which view a 200 shows.
OK_FULL, OK_PUBLIC = "200 full", "200 public"
MATRIX: list[tuple[str, str, dict[str, Any] | None, str, dict[str, int | str]]] = [
    (
        "GET",
        "",
        None,
        "pending",
        {
            "owner": OK_FULL,
            "other_enterprise": 404,
            "council": OK_PUBLIC,
            "other_council": 404,
            "registrar": OK_FULL,
            "anonymous": 404,
        },
    ),
    (
        "GET",
        "",
        None,
        "verified",
        {
            "owner": OK_FULL,
            "other_enterprise": OK_PUBLIC,
            "council": OK_PUBLIC,
            "other_council": OK_PUBLIC,
            "registrar": OK_FULL,
            "anonymous": OK_PUBLIC,
        },
    ),
    (
        "PATCH",
        "",
        {"mission": "Changed."},
        "pending",
        {
            "owner": 200,
            "other_enterprise": 404,
            "council": 403,
            "other_council": 404,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "PATCH",
        "",
        {"mission": "Changed."},
        "verified",
        {
            "owner": 200,
            "other_enterprise": 403,
            "council": 403,
            "other_council": 403,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/verification",
        {"decision": "verified"},
        "pending",
        {
            "owner": 403,
            "other_enterprise": 403,
            "council": 403,
            "other_council": 403,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/suspension",
        {"reason": "r"},
        "verified",
        {
            "owner": 403,
            "other_enterprise": 403,
            "council": 403,
            "other_council": 403,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/reinstatement",
        {"reason": "r"},
        "suspended",
        {
            "owner": 403,
            "other_enterprise": 403,
            "council": 403,
            "other_council": 403,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/dissolution",
        {"reason": "r"},
        "verified",
        {
            "owner": 403,
            "other_enterprise": 403,
            "council": 403,
            "other_council": 403,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/history",
        None,
        "pending",
        {
            "owner": 200,
            "other_enterprise": 404,
            "council": 200,
            "other_council": 404,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/history",
        None,
        "verified",
        {
            "owner": 200,
            "other_enterprise": 403,
            "council": 200,
            "other_council": 403,
            "registrar": 200,
            "anonymous": 401,
        },
    ),
    (
        "GET",
        "/social-enterprise-check",
        None,
        "pending",
        {
            "owner": 200,
            "other_enterprise": 404,
            "council": 200,
            "other_council": 404,
            "registrar": 200,
            "anonymous": 404,
        },
    ),
    ("GET", "/social-enterprise-check", None, "verified", dict.fromkeys(PRINCIPALS, 200)),
]
CASES = [
    pytest.param(
        method,
        suffix,
        payload,
        state,
        who,
        expected[who],
        id=f"{method} {suffix or '/'} [{state}] as {who}",
    )
    for method, suffix, payload, state, expected in MATRIX
    for who in PRINCIPALS
]


@pytest.mark.parametrize(("method", "suffix", "payload", "state", "who", "expected"), CASES)
async def test_each_enterprise_route_answers_each_principal_as_the_access_table_says(
    api, body, method, suffix, payload, state, who, expected
) -> None:
    eid = await prepare(api, body, state, number=10_000_000 + len(CASES))
    response = await api.client.request(
        method, f"/v1/enterprises/{eid}{suffix}", json=payload, headers=bearer(api, who, eid)
    )
    status = int(str(expected).split()[0])
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    if expected == OK_FULL:
        assert response.json()["contact"]["email"]
    if expected == OK_PUBLIC:
        assert "contact" not in response.json()
        assert "annual_turnover" not in response.json()
    if suffix == "/history" and status == 200 and who == "council":
        paths = [op["path"] for item in response.json()["items"] for op in item["patch"]]
        assert "/name" in paths
        assert not any(p.startswith(("/contact", "/address", "/annual_turnover")) for p in paths)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", 403),
        ("other_enterprise", 403),
        ("council", 201),
        ("other_council", 201),
        ("registrar", 403),
        ("anonymous", 401),
        ("unbound_enterprise", 201),
    ],
)
async def test_registration_needs_registry_write_and_an_unbound_client(
    api, body, who, expected
) -> None:
    headers = (
        api.tokens.bearer(api.tokens.enterprise())
        if who == "unbound_enterprise"
        else bearer(api, who, "0190d0c4-0000-7000-8000-0000000000ff")
    )
    response = await api.client.post("/v1/enterprises", json=body(), headers=headers)
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("who", PRINCIPALS)
async def test_lists_and_exports_show_pending_records_only_to_the_registrar(api, body, who) -> None:
    pending = await prepare(api, body, "pending", number=20_000_001)
    public = await prepare(api, body, "verified", number=20_000_002)
    headers = bearer(api, who, pending)
    listed = await api.client.get("/v1/enterprises", headers=headers)
    assert listed.status_code == 200
    ids = {i["id"] for i in listed.json()["items"]}
    assert public in ids
    assert (pending in ids) is (who == "registrar")
    exported = await api.client.get("/v1/enterprises/export?format=ndjson", headers=headers)
    assert exported.status_code == 200
    assert public in exported.text
    assert pending not in exported.text
    for path in ("/v1/areas", "/v1/areas/E06000009", "/v1/themes"):
        assert (await api.client.get(path, headers=headers)).status_code == 200
