"""Delivery as Standard Webhooks says, checked by the ``standardwebhooks`` receiver library."""

from __future__ import annotations

import asyncio

import orjson
from sqlalchemy import select

from streetlevel.notifications.adapters import orm
from streetlevel.testing.tokens import TokenFactory

from .support import ANCHORSHOLME, Embedded, Receiver, commission_published, verified

bearer = TokenFactory.bearer
COMMISSIONS = "commissioning.commission.v1"


async def test_a_matching_event_is_delivered_signed_and_verifies(
    embedded: Embedded, receiver: Receiver
) -> None:
    hook = await embedded.subscribe(
        embedded.tokens.council(), receiver.url, event_types=["commissioning.commission.*"]
    )
    event = commission_published([ANCHORSHOLME])
    await embedded.deliver(COMMISSIONS, event)
    assert await embedded.worker.deliver_due() == 1
    [request] = receiver.requests
    body = verified(hook["secret"], request)
    assert body["id"] == event.id
    assert body["type"] == event.type
    assert body["specversion"] == "1.0"
    assert request.headers["webhook-id"] == f"msg_{event.id}"
    assert request.headers["webhook-signature"].startswith("v1,")
    assert await embedded.worker.deliver_due() == 0  # delivered once, then done


async def test_a_ping_reaches_only_the_pinged_endpoint(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.enterprise("e-1")
    hook = await embedded.subscribe(token, receiver.url)
    other = await Receiver().start()
    try:
        await embedded.subscribe(token, other.url)
        response = await embedded.client.post(
            f"/v1/webhooks/{hook['id']}/ping", headers=bearer(token)
        )
        assert response.status_code == 202
        await embedded.worker.deliver_due()
        [request] = receiver.requests
        assert request.headers["webhook-id"] == response.json()["webhook_id"]
        assert verified(hook["secret"], request)["type"].endswith("notifications.webhook.ping.v1")
        assert other.requests == []
    finally:
        await other.stop()


async def test_a_failed_delivery_is_retried_with_backoff_and_the_same_id(
    embedded: Embedded, receiver: Receiver
) -> None:
    hook = await embedded.subscribe(embedded.tokens.council(), receiver.url)
    receiver.status = 503
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    assert await embedded.worker.deliver_due() == 1
    assert await embedded.worker.deliver_due() == 0  # not due again before its backoff
    embedded.clock.advance(seconds=10)  # past the first delay (2.5–5 s)
    receiver.status = 200
    assert await embedded.worker.deliver_due() == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(hook["secret"], second)
    log = await embedded.client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=bearer(embedded.tokens.council())
    )
    statuses = [a["status_code"] for a in log.json()["items"]]
    assert statuses == [200, 503]  # newest first
    assert all(a["latency_ms"] >= 0 for a in log.json()["items"])


async def test_the_attempt_log_keeps_only_an_excerpt_of_the_response(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.council()
    hook = await embedded.subscribe(token, receiver.url)
    receiver.status, receiver.answer = 500, b"x" * 100_000
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    await embedded.worker.deliver_due()
    log = await embedded.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=bearer(token))
    [attempt] = log.json()["items"]
    assert attempt["status_code"] == 500
    assert attempt["excerpt"] == "x" * 1024


async def test_410_disables_the_endpoint_at_once_and_tells_its_owner(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.council()
    hook = await embedded.subscribe(token, receiver.url)
    receiver.status = 410
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    await embedded.worker.deliver_due()
    read = await embedded.client.get(f"/v1/webhooks/{hook['id']}", headers=bearer(token))
    assert read.json()["status"] == "disabled"
    assert "410" in read.json()["disabled_reason"]
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    assert await embedded.worker.deliver_due() == 0
    assert len(receiver.requests) == 1
    await _relay_published(embedded)
    feed = await embedded.client.get("/v1/me/events", headers=bearer(token))
    types = [item["event"]["type"] for item in feed.json()["items"]]
    assert "org.streetlevel.notifications.webhook.disabled.v1" in types


async def test_an_endpoint_failing_for_three_days_is_disabled_and_its_deliveries_fail(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.council()
    hook = await embedded.subscribe(token, receiver.url)
    receiver.status = 500
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    tries = 0
    for _ in range(200):
        tries += await embedded.worker.deliver_due()
        read = await embedded.client.get(f"/v1/webhooks/{hook['id']}", headers=bearer(token))
        if read.json()["status"] == "disabled":
            break
        embedded.clock.advance(hours=1)
    assert read.json()["status"] == "disabled"
    assert "three days" in read.json()["disabled_reason"]
    assert 10 < tries < 60  # exponential: a few dozen tries over three days, not hundreds
    async with embedded.state.runtime.sessions() as session:
        statuses = (await session.execute(select(orm.deliveries.c.status))).scalars().all()
    assert statuses == ["failed"]
    # Resuming re-enables it; what was missed is replayed on request.
    await _relay_published(embedded)  # the owner's "disabled" event is in the log too
    receiver.status = 204
    resumed = await embedded.client.patch(
        f"/v1/webhooks/{hook['id']}", json={"status": "active"}, headers=bearer(token)
    )
    assert resumed.json()["status"] == "active"
    replay = await embedded.client.post(
        f"/v1/webhooks/{hook['id']}/replay", json={"from_position": 1}, headers=bearer(token)
    )
    assert replay.json()["queued"] == 2
    assert await embedded.worker.deliver_due() == 2
    now = embedded.clock.now()
    types = {verified(hook["secret"], r, now)["type"] for r in receiver.requests[-2:]}
    assert types == {
        "org.streetlevel.commissioning.commission.published.v1",
        "org.streetlevel.notifications.webhook.disabled.v1",
    }


async def test_during_a_rotation_both_secrets_verify_and_after_24_hours_only_the_new(
    embedded: Embedded, receiver: Receiver
) -> None:
    token = embedded.tokens.council()
    hook = await embedded.subscribe(token, receiver.url)
    rotated = await embedded.client.post(f"/v1/webhooks/{hook['id']}/secret", headers=bearer(token))
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != hook["secret"]
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    await embedded.worker.deliver_due()
    verified(hook["secret"], receiver.requests[-1])
    verified(new_secret, receiver.requests[-1])
    embedded.clock.advance(hours=24, seconds=1)
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    await embedded.worker.deliver_due()
    late = receiver.requests[-1]
    assert len(late.headers["webhook-signature"].split()) == 1
    verified(new_secret, late, embedded.clock.now())


async def test_a_dead_endpoint_never_holds_back_a_healthy_one(
    embedded: Embedded, receiver: Receiver
) -> None:
    dead = await Receiver(delay_s=3600).start()  # accepts, then never answers
    try:
        token = embedded.tokens.council()
        await embedded.subscribe(token, dead.url)
        healthy = await embedded.subscribe(token, receiver.url)
        for _ in range(10):
            await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
        bound = embedded.state.settings.delivery_per_endpoint
        # The dead endpoint holds its own slots only; the healthy one gets its share each round.
        assert await embedded.worker.run_once() == 2 * bound
        for _ in range(1000):
            if len(receiver.requests) == 10:
                break
            if not embedded.worker.in_flight.get(healthy["id"]):
                await embedded.worker.run_once()
            await asyncio.sleep(0.005)  # the healthy receiver's answers arriving
        assert len(receiver.requests) == 10
        assert len(dead.requests) == bound
    finally:
        for task in list(embedded.worker.tasks):
            task.cancel()
        await asyncio.gather(*embedded.worker.tasks, return_exceptions=True)
        await dead.stop()


async def _relay_published(embedded: Embedded) -> None:
    """Run the outbox relay now instead of waiting for its poll."""
    relay = embedded.state.runtime.relay
    assert relay is not None
    relay.wake()
    for _ in range(200):
        async with embedded.state.runtime.sessions() as session:
            left = (
                await session.execute(
                    select(orm.outbox.c.id).where(orm.outbox.c.published_at.is_(None))
                )
            ).first()
        if left is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the relay did not publish the outbox")


def test_bodies_are_the_cloudevent_as_json() -> None:
    event = commission_published([ANCHORSHOLME])
    assert orjson.loads(event.to_json())["id"] == event.id


async def test_the_queue_metric_counts_due_and_waiting_deliveries_and_the_oldest_due_age(
    embedded: Embedded, receiver: Receiver
) -> None:
    from streetlevel.common.metrics import WEBHOOK_OLDEST_DUE_AGE, WEBHOOK_QUEUE

    def sample(gauge: object, *labels: str) -> float:
        return float(gauge.labels(*labels)._value.get())  # type: ignore[attr-defined]

    await embedded.subscribe(embedded.tokens.council(), receiver.url)
    receiver.status = 503
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    await embedded.worker.measure_queue()
    assert sample(WEBHOOK_QUEUE, "notifications", "due") == 1
    assert await embedded.worker.deliver_due() == 1  # failed: now waiting for its retry
    await embedded.worker.measure_queue()
    assert sample(WEBHOOK_QUEUE, "notifications", "due") == 0
    assert sample(WEBHOOK_QUEUE, "notifications", "waiting") == 1
    assert sample(WEBHOOK_OLDEST_DUE_AGE, "notifications") == 0
    embedded.clock.advance(seconds=65)  # past the retry (2.5–5 s): due for about a minute
    await embedded.worker.measure_queue()
    assert sample(WEBHOOK_QUEUE, "notifications", "due") == 1
    assert sample(WEBHOOK_QUEUE, "notifications", "waiting") == 0
    assert 55 <= sample(WEBHOOK_OLDEST_DUE_AGE, "notifications") <= 65
