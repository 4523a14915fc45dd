"""Private notices: the registrar's verification decision reaches the enterprise alone."""

from __future__ import annotations

from typing import Any

import orjson

from streetlevel.testing.waiting import eventually

PRIVATE = "registry.private.v1"
DECIDED = "org.streetlevel.registry.enterprise.verification_decided.v1"


def _private(api: Any) -> list[dict[str, Any]]:
    return [orjson.loads(m.value) for m in api.bus.messages if m.topic.endswith(PRIVATE)]


async def _register(api: Any, body: Any, name: str, number: str) -> str:
    headers = api.tokens.bearer(api.tokens.council())
    created = await api.client.post(
        "/v1/enterprises",
        json=body(name=name, identifier={"scheme": "GB-COH", "id": number}),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _decide(api: Any, enterprise_id: str, decision: str) -> None:
    response = await api.client.post(
        f"/v1/enterprises/{enterprise_id}/verification",
        json={"decision": decision, "note": "checked"},
        headers=api.tokens.bearer(api.tokens.registrar()),
    )
    assert response.status_code == 200, response.text


async def test_a_verification_decision_is_a_private_notice_to_its_enterprise(api, body) -> None:
    verified = await _register(api, body, "Notice One CIC", "11111111")
    rejected = await _register(api, body, "Notice Two CIC", "22222222")
    await _decide(api, verified, "verified")
    await _decide(api, rejected, "rejected")

    async def both() -> bool:
        return len(_private(api)) >= 2

    await eventually(both, "two private notices")
    notices = {n["data"]["enterprise_id"]: n for n in _private(api)}
    assert set(notices) == {verified, rejected}
    for enterprise_id, decision in ((verified, "verified"), (rejected, "rejected")):
        notice = notices[enterprise_id]
        assert notice["type"] == DECIDED
        assert notice["audience"] == f"enterprise:{enterprise_id}"
        assert notice["data"]["decision"] == decision
        assert notice["data"]["note"] == "checked"
    # Registration itself is no decision: nobody is told anything privately about it.
    assert len(_private(api)) == 2
