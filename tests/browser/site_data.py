"""The demo's page kinds, plus an enterprise whose words are attacks and one that was dissolved."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx2

PAYLOAD_NAME = "<script>alert('name')</script><img src=x onerror=alert(1)> Payload CIC"
PAYLOAD_MISSION = '"><svg onload=alert(2)><a href="javascript:alert(3)">mission</a>'
WARD = "E05015186"  # Anchorsholme: an enterprise, an open lot, a contract and outcomes
GRANT_WARD = "E05015204"  # Victoria: the demo's ward grant round (a residents' vote)
#: A grant programme whose title is an attack, and a panel member whose name is one.
PAYLOAD_PROGRAMME = "<script>alert('fund')</script><img src=x onerror=alert(4)> Fund"
PAYLOAD_PANEL = "<svg onload=alert(5)>Cllr Payload"


def _token(http: httpx2.Client, client_id: str, secret: str) -> dict[str, str]:
    response = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _register(
    http: httpx2.Client,
    admin: dict[str, str],
    body: dict[str, Any],
    auth: dict[str, str] | None = None,
) -> str:
    made = http.post("/v1/admin/clients", json={"kind": "enterprise", "name": "t"}, headers=admin)
    made.raise_for_status()
    client = made.json()
    own = _token(http, client["client_id"], client["client_secret"])
    created = http.post("/v1/enterprises", json=body, headers=own)
    assert created.status_code == 201, created.text
    enterprise_id: str = created.json()["id"]
    if auth is not None:  # a token issued now names the enterprise it registered
        auth.update(_token(http, client["client_id"], client["client_secret"]))
    http.post(
        f"/v1/enterprises/{enterprise_id}/verification",
        json={"decision": "verified", "note": "browser test"},
        headers=admin,
    ).raise_for_status()
    return enterprise_id


def _payload_grant(http: httpx2.Client, council: dict[str, str], applicant: dict[str, str]) -> None:
    """A programme titled with a payload in the ward, awarding the payload enterprise by panel."""
    programme = http.post(
        "/v1/grant-programmes",
        json={
            "title": PAYLOAD_PROGRAMME,
            "description": PAYLOAD_MISSION,
            "areas": [WARD],
            "criteria": [PAYLOAD_MISSION],
            "budget": {"amount": "1000.00", "currency": "GBP"},
            "max_grant": {"amount": "500.00", "currency": "GBP"},
            "council_name": "Blackpool Council",
        },
        headers=council,
    )
    assert programme.status_code == 201, programme.text
    form = {
        "programme_id": programme.json()["id"],
        "amount_requested": {"amount": "400.00", "currency": "GBP"},
        "purpose": PAYLOAD_MISSION,
        "people_reached": 10,
    }
    for _ in range(100):  # commissioning hears of the verified enterprise by an event
        applied = http.post("/v1/grant-applications", json=form, headers=applicant)
        if applied.status_code != 422:
            break
        time.sleep(0.1)
    assert applied.status_code == 201, applied.text
    decided = http.post(
        f"/v1/grant-programmes/{programme.json()['id']}/decisions",
        json={
            "method": "panel",
            "panel": [PAYLOAD_PANEL],
            "results": [
                {
                    "application_id": applied.json()["id"],
                    "result": "awarded",
                    "amount": {"amount": "400.00", "currency": "GBP"},
                }
            ],
        },
        headers=council,
    )
    assert decided.status_code == 201, decided.text


def page_kinds(
    url: str, registrar: dict[str, str], council: dict[str, str] | None = None
) -> dict[str, str]:
    """Page kind → path, after adding the payloads and the dissolved enterprise through the API."""
    with httpx2.Client(base_url=url, timeout=30) as http:
        admin = _token(http, registrar["client_id"], registrar["client_secret"])
        payload_auth: dict[str, str] = {}
        payload = _register(
            http,
            admin,
            {
                "name": PAYLOAD_NAME,
                "legal_form": "cic_limited_by_guarantee",
                "identifier": {"scheme": "GB-COH", "id": "14239901"},
                "themes": ["food"],
                "areas_served": [WARD],
                "mission": PAYLOAD_MISSION,
            },
            payload_auth,
        )
        if council is not None:
            own = _token(http, council["client_id"], council["client_secret"])
            _payload_grant(http, own, payload_auth)
        dissolved = _register(
            http,
            admin,
            {
                "name": "Closed Shop CIC",
                "legal_form": "cic_limited_by_guarantee",
                "identifier": {"scheme": "GB-COH", "id": "14239902"},
                "themes": ["food"],
                "areas_served": ["E05015187"],
                "mission": "Closed.",
            },
        )
        http.post(
            f"/v1/enterprises/{dissolved}/dissolution", json={"reason": "wound up"}, headers=admin
        ).raise_for_status()
        commissions = http.get("/v1/commissions").json()["items"]
        larder = http.get("/v1/enterprises", params={"q": "Larder"}).json()["items"][0]
        grantee = http.get("/v1/enterprises", params={"q": "Talbot Community"}).json()["items"]
    by_status = {c["status"]: c["id"] for c in commissions}
    return {
        "home": "/",
        "search": "/?q=Anchorsholme",
        "ward": f"/areas/{WARD}",
        "district": "/areas/E06000009",
        "lsoa": "/areas/E01012663",
        "enterprise": f"/enterprises/{larder['id']}",
        "payload-enterprise": f"/enterprises/{payload}",
        "open-commission": f"/commissions/{by_status['open']}",
        "awarded-commission": f"/commissions/{by_status['awarded']}",
        "open-data": "/open-data",
        "not-found": "/areas/E05999999",
        "gone": f"/enterprises/{dissolved}",
    } | (
        {"grant-ward": f"/areas/{GRANT_WARD}", "grantee": f"/enterprises/{grantee[0]['id']}"}
        if council is not None
        else {}
    )


def demo_registrar(data_dir: Path) -> dict[str, str]:
    """The demo's registrar client, from the credentials file the first start wrote."""
    return demo_client(data_dir, "registrar")


def demo_client(data_dir: Path, role: str) -> dict[str, str]:
    """One of the demo's clients (registrar, council...), from the first start's credentials."""
    clients: dict[str, Any] = json.loads((data_dir / "demo-clients.json").read_text())["clients"]
    client: dict[str, str] = clients[role]
    return client
