"""``/v1/webhooks`` in embedded mode: create, read, list, update, pause, delete, rotate, quotas."""

from __future__ import annotations

from streetlevel.testing.tokens import TokenFactory

from .support import Embedded, Receiver

bearer = TokenFactory.bearer


async def test_a_created_webhook_shows_its_secret_once_and_never_again(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.council()
    created = await embedded.subscribe(
        token, receiver.url, event_types=["commissioning.commission.*"]
    )
    assert created["secret"].startswith("whsec_")
    assert created["status"] == "active"
    read = await embedded.client.get(f"/v1/webhooks/{created['id']}", headers=bearer(token))
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.json()["filters"]["event_types"] == ["commissioning.commission.*"]
    listed = await embedded.client.get("/v1/webhooks", headers=bearer(token))
    assert [w["id"] for w in listed.json()["items"]] == [created["id"]]
    assert "secret" not in listed.text


async def test_the_owner_pauses_resumes_edits_and_deletes_its_webhook(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.enterprise("e-1")
    hook = await embedded.subscribe(token, receiver.url)
    path = f"/v1/webhooks/{hook['id']}"
    paused = await embedded.client.patch(path, json={"status": "paused"}, headers=bearer(token))
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    edited = await embedded.client.patch(
        path,
        json={"status": "active", "description": "ops", "filters": {"areas": ["E05015186"]}},
        headers=bearer(token),
    )
    assert edited.json()["status"] == "active"
    assert edited.json()["description"] == "ops"
    assert edited.json()["filters"]["areas"] == ["E05015186"]
    assert (await embedded.client.delete(path, headers=bearer(token))).status_code == 204
    assert (await embedded.client.get(path, headers=bearer(token))).status_code == 404


async def test_nobody_can_disable_a_webhook_by_hand(embedded: Embedded, receiver: Receiver) -> None:
    token = embedded.tokens.council()
    hook = await embedded.subscribe(token, receiver.url)
    response = await embedded.client.patch(
        f"/v1/webhooks/{hook['id']}", json={"status": "disabled"}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_principal_may_not_exceed_its_quota(embedded: Embedded, receiver: Receiver) -> None:
    token = embedded.tokens.enterprise("e-quota")
    quota = embedded.state.settings.max_webhooks_per_principal
    for _ in range(quota):
        await embedded.subscribe(token, receiver.url)
    refused = await embedded.client.post(
        "/v1/webhooks", json={"url": receiver.url}, headers=bearer(token)
    )
    assert refused.status_code == 409
    assert refused.json()["quota"] == quota
    other = embedded.tokens.enterprise("e-other")
    assert (await embedded.subscribe(other, receiver.url))["status"] == "active"


async def test_anonymous_callers_are_refused_before_the_body_is_read(embedded: Embedded) -> None:
    response = await embedded.client.post("/v1/webhooks", json={"url": 1})
    assert response.status_code == 401
    assert (await embedded.client.get("/v1/webhooks")).status_code == 401
    assert (await embedded.client.get("/v1/me/events")).status_code == 401


async def test_another_principal_cannot_see_or_touch_a_webhook(
    embedded: Embedded, receiver: Receiver
) -> None:
    owner = embedded.tokens.council()
    hook = await embedded.subscribe(owner, receiver.url)
    path = f"/v1/webhooks/{hook['id']}"
    for intruder in (
        embedded.tokens.council(org="GB-LAE-FYL", area="E07000119"),
        embedded.tokens.enterprise("e-1"),
        embedded.tokens.token(),
    ):
        headers = bearer(intruder)
        assert (await embedded.client.get(path, headers=headers)).status_code == 404
        assert (await embedded.client.patch(path, json={}, headers=headers)).status_code == 404
        assert (await embedded.client.delete(path, headers=headers)).status_code == 404
        assert (await embedded.client.post(path + "/ping", headers=headers)).status_code == 404
        assert (await embedded.client.post(path + "/secret", headers=headers)).status_code == 404
        assert (await embedded.client.get(path + "/deliveries", headers=headers)).status_code == 404
        replay = await embedded.client.post(
            path + "/replay", json={"from_position": 1}, headers=headers
        )
        assert replay.status_code == 404
        listed = await embedded.client.get("/v1/webhooks", headers=headers)
        assert listed.json()["items"] == []
    assert (await embedded.client.get(path, headers=bearer(owner))).status_code == 200


async def test_unsafe_targets_are_refused_at_subscription(embedded: Embedded) -> None:
    token = embedded.tokens.council()
    for url in (
        "ftp://example.org/x",
        "https://user:pw@example.org/x",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/hook",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
        "https://metadata.google.internal/",
    ):
        response = await embedded.client.post(
            "/v1/webhooks", json={"url": url}, headers=bearer(token)
        )
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["loc"] == ["body", "url"]
