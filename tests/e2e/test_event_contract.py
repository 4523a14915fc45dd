"""The event contract on the native stack: the gateway merges what each service serves."""

from __future__ import annotations

from pathlib import Path

from streetlevel_e2e_harness.api import Api
from streetlevel_e2e_harness.contract import ROOT, asyncapi_errors

PUBLIC_TOPICS = {
    "registry.enterprise.v1",
    "commissioning.commission.v1",
    "commissioning.contract.v1",
    "outcomes.indicator.v1",
    "outcomes.plan.v1",
}


def _checked_in(event_type: str) -> Path:
    service = event_type.split(".", 1)[0]
    return ROOT / "services" / service / "src" / "streetlevel" / service / "schemas" / "events"


async def test_the_gateway_publishes_the_asyncapi_of_every_public_topic_over_http(
    gateway: Api,
) -> None:
    response = await gateway.get("/asyncapi.json", expect=200)
    document = response.json()
    assert PUBLIC_TOPICS | {"changeFeed"} <= set(document["channels"])
    assert "outcomes.observation.v1" not in response.text
    base = str(gateway.http.base_url).rstrip("/")
    assert document["servers"]["api"]["host"] == base.split("://", 1)[1]
    assert asyncapi_errors(document) == []


async def test_each_services_schemas_are_served_through_the_gateway_byte_for_byte(
    gateway: Api,
) -> None:
    for event_type in (
        "registry.enterprise.verified.v1",
        "commissioning.question.answered.v1",
        "outcomes.indicator.updated.v1",
    ):
        response = await gateway.get(f"/schemas/events/{event_type}.json", expect=200)
        assert response.content == (_checked_in(event_type) / f"{event_type}.json").read_bytes()
        again = await gateway.get(
            f"/schemas/events/{event_type}.json",
            headers={"If-None-Match": response.headers["etag"]},
        )
        assert again.status_code == 304
    await gateway.get("/schemas/events/outcomes.observation.verified.v1.json", expect=404)
