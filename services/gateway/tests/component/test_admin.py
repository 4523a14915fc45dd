"""Client management: admin only; secrets shown once; revoke and rotate."""

from __future__ import annotations


async def test_only_admin_manages_clients(gateway_factory) -> None:
    async with gateway_factory() as gw:
        body = {"kind": "app", "name": "Open data app"}
        anonymous = await gw.http.post("/v1/admin/clients", json=body)
        assert anonymous.status_code == 401
        app_token = await gw.bearer("app")
        forbidden = await gw.http.post("/v1/admin/clients", json=body, headers=app_token)
        assert forbidden.status_code == 403


async def test_an_admin_creates_lists_rotates_and_revokes_a_client(gateway_factory) -> None:
    async with gateway_factory() as gw:
        admin = await gw.bearer()
        created = await gw.http.post(
            "/v1/admin/clients", json={"kind": "app", "name": "Open data app"}, headers=admin
        )
        assert created.status_code == 201
        client = created.json()
        assert len(client["client_secret"]) >= 43
        listed = await gw.http.get("/v1/admin/clients?limit=1", headers=admin)
        assert listed.status_code == 200
        assert "client_secret" not in listed.text
        assert listed.json()["next_cursor"] is not None
        rotated = await gw.http.post(
            f"/v1/admin/clients/{client['client_id']}/secret", headers=admin
        )
        new_secret = rotated.json()["client_secret"]
        assert new_secret != client["client_secret"]
        await gw.token(client["client_id"], new_secret)
        old = await gw.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        assert old.status_code == 401


async def test_unknown_fields_are_refused(gateway_factory) -> None:
    async with gateway_factory() as gw:
        admin = await gw.bearer()
        response = await gw.http.post(
            "/v1/admin/clients",
            json={"kind": "app", "name": "x", "secret_digest": "0" * 64},
            headers=admin,
        )
        assert response.status_code == 422


async def test_a_council_client_needs_a_registered_council(gateway_factory) -> None:
    async with gateway_factory() as gw:
        admin = await gw.bearer()
        body = {"kind": "council", "name": "Blackpool", "org": "GB-LAE-BPL"}
        refused = await gw.http.post("/v1/admin/clients", json=body, headers=admin)
        assert refused.status_code == 422
        council = {"org_id": "GB-LAE-BPL", "name": "Blackpool Council", "area": "E06000009"}
        added = await gw.http.post("/v1/admin/councils", json=council, headers=admin)
        assert added.status_code == 201
        created = await gw.http.post("/v1/admin/clients", json=body, headers=admin)
        assert created.json()["area"] == "E06000009"
