"""Fan-out keeps what it matches on until a subscription write bumps the generation."""

from __future__ import annotations

import pytest

from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.testing.tokens import TokenFactory

from .support import ANCHORSHOLME, Embedded, Receiver, commission_published

bearer = TokenFactory.bearer
PUBLIC = "commissioning.commission.v1"


async def _fan_out(embedded: Embedded) -> int:
    await embedded.deliver(PUBLIC, commission_published([ANCHORSHOLME]))
    return await embedded.worker.deliver_due()


async def test_every_subscription_write_is_seen_by_the_next_fan_out(
    embedded: Embedded, receiver: Receiver
) -> None:
    council = embedded.tokens.council()
    first = await embedded.subscribe(council, receiver.url)
    assert await _fan_out(embedded) == 1  # the cache is now warm
    client = embedded.tokens.token()
    second = await embedded.subscribe(client, receiver.url)
    assert await _fan_out(embedded) == 2, "a new webhook hears of the next event"
    paused = await embedded.client.patch(
        f"/v1/webhooks/{first['id']}", json={"status": "paused"}, headers=bearer(council)
    )
    assert paused.status_code == 200, paused.text
    assert await _fan_out(embedded) == 1, "a paused webhook does not"
    changed = await embedded.client.patch(
        f"/v1/webhooks/{second['id']}",
        json={"filters": {"event_types": ["commissioning.contract.*"]}},
        headers=bearer(client),
    )
    assert changed.status_code == 200, changed.text
    assert await _fan_out(embedded) == 0, "nor one whose filters no longer match"
    deleted = await embedded.client.delete(f"/v1/webhooks/{second['id']}", headers=bearer(client))
    assert deleted.status_code == 204, deleted.text
    resumed = await embedded.client.patch(
        f"/v1/webhooks/{first['id']}", json={"status": "active"}, headers=bearer(council)
    )
    assert resumed.status_code == 200, resumed.text
    assert await _fan_out(embedded) == 1


async def test_a_write_by_another_replica_is_seen_and_an_unchanged_generation_reads_nothing(
    embedded: Embedded, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = await embedded.subscribe(embedded.tokens.council(), receiver.url)
    assert await _fan_out(embedded) == 1
    reads = 0
    read = SubscriptionRepository.active_filters

    async def counted(self: SubscriptionRepository) -> object:
        nonlocal reads
        reads += 1
        return await read(self)

    monkeypatch.setattr(SubscriptionRepository, "active_filters", counted)
    assert await _fan_out(embedded) == 1
    assert await _fan_out(embedded) == 1
    assert reads == 0, "the generation held: the subscriptions were not read again"
    # Another replica pauses the webhook: only the database tells this process.
    async with embedded.state.runtime.sessions() as session, session.begin():
        repo = SubscriptionRepository(session)
        sub = await repo.get(hook["id"])
        assert sub is not None
        version = sub.version
        sub.change(now=embedded.clock.now(), status="paused")
        await repo.save(sub, loaded_version=version)
    assert await _fan_out(embedded) == 0
    assert reads == 1
