"""The demo's page kinds, plus an enterprise whose words are attacks and one that was dissolved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2

PAYLOAD_NAME = "<script>alert('name')</script><img src=x onerror=alert(1)> Payload CIC"
PAYLOAD_MISSION = '"><svg onload=alert(2)><a href="javascript:alert(3)">mission</a>'
WARD = "E05015186"  # Anchorsholme: an enterprise, an open lot, a contract and outcomes


def _token(http: httpx2.Client, client_id: str, secret: str) -> dict[str, str]:
    response = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _register(http: httpx2.Client, admin: dict[str, str], body: dict[str, Any]) -> str:
    made = http.post("/v1/admin/clients", json={"kind": "enterprise", "name": "t"}, headers=admin)
    made.raise_for_status()
    client = made.json()
    own = _token(http, client["client_id"], client["client_secret"])
    created = http.post("/v1/enterprises", json=body, headers=own)
    assert created.status_code == 201, created.text
    enterprise_id: str = created.json()["id"]
    http.post(
        f"/v1/enterprises/{enterprise_id}/verification",
        json={"decision": "verified", "note": "browser test"},
        headers=admin,
    ).raise_for_status()
    return enterprise_id


def page_kinds(url: str, registrar: dict[str, str]) -> dict[str, str]:
    """Page kind → path, after adding the payload and the dissolved enterprise through the API."""
    with httpx2.Client(base_url=url, timeout=30) as http:
        admin = _token(http, registrar["client_id"], registrar["client_secret"])
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
        )
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
    }


def demo_registrar(data_dir: Path) -> dict[str, str]:
    """The demo's registrar client, from the credentials file the first start wrote."""
    clients: dict[str, Any] = json.loads((data_dir / "demo-clients.json").read_text())["clients"]
    registrar: dict[str, str] = clients["registrar"]
    return registrar
