"""Every change to an enterprise is observed on the real Kafka topic, in order, public only."""

from __future__ import annotations

import json

from streetlevel.testing.topics import read_records

EXPECTED = [
    "org.streetlevel.registry.enterprise.registered.v1",
    "org.streetlevel.registry.enterprise.updated.v1",
    "org.streetlevel.registry.enterprise.verified.v1",
    "org.streetlevel.registry.enterprise.suspended.v1",
    "org.streetlevel.registry.enterprise.reinstated.v1",
    "org.streetlevel.registry.enterprise.dissolved.v1",
]


async def test_every_change_is_published_to_kafka_in_order_with_public_data_only(
    make_api, body, kafka_bootstrap
) -> None:
    api = await make_api()
    owner = api.tokens.enterprise()
    created = await api.client.post(
        "/v1/enterprises",
        json=body(identifier=None, legal_form="partnership"),
        headers=api.tokens.bearer(owner),
    )
    assert created.status_code == 201
    eid = created.json()["id"]
    patched = await api.client.patch(
        f"/v1/enterprises/{eid}", json={"employees": 4}, headers=api.tokens.bearer(owner)
    )
    assert patched.status_code == 200
    registrar = api.tokens.bearer(api.tokens.registrar())
    for action, payload in (
        ("verification", {"decision": "verified", "note": "checked"}),
        ("suspension", {"reason": "complaint"}),
        ("reinstatement", {"reason": "resolved"}),
        ("dissolution", {"reason": "wound up"}),
    ):
        moved = await api.client.post(
            f"/v1/enterprises/{eid}/{action}", json=payload, headers=registrar
        )
        assert moved.status_code == 200, moved.text
    records = await read_records(
        kafka_bootstrap, f"{api.topic_prefix}registry.enterprise.v1", len(EXPECTED)
    )
    envelopes = [json.loads(r.value) for r in records]
    assert [e["type"] for e in envelopes] == EXPECTED
    assert [e["sequence"] for e in envelopes] == [str(n) for n in range(1, 7)]
    assert {r.key.decode() for r in records} == {eid}
    assert dict(records[0].headers)["ce_type"].decode() == EXPECTED[0]
    assert envelopes[1]["data"]["changed_fields"] == ["employees"]
    assert envelopes[2]["data"]["note"] == "checked"
    assert envelopes[5]["data"]["reason"] == "wound up"
    for envelope in envelopes:
        record = envelope["data"]["enterprise"]
        assert record["address"] is None
        assert not {"contact", "annual_turnover", "registered_by_client"} & set(record)
        raw = json.dumps(envelope)
        assert "hello@revoe-kitchen" not in raw
        assert "Central Drive" not in raw
