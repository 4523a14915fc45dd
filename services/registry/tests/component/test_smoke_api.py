"""First end-to-end check of the embedded registry."""

from __future__ import annotations


async def test_a_council_registers_an_enterprise_that_starts_pending(api, body) -> None:
    headers = api.tokens.bearer(api.tokens.council())
    response = await api.client.post("/v1/enterprises", json=body(), headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "pending"
    assert response.headers["location"].endswith(created["id"])
