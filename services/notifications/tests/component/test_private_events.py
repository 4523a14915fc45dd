"""Private events reach only the principal they concern: never another's webhook nor feed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from streetlevel.common.events import Envelope
from streetlevel.notifications.adapters import orm
from streetlevel.testing.tokens import TokenFactory

from .support import ANCHORSHOLME, Embedded, Receiver, commission_published, envelope, verified

bearer = TokenFactory.bearer
PRIVATE = "commissioning.private.v1"


def bids_received(commission_id: str, org: str, count: int) -> Envelope:
    return envelope(
        "commissioning.commission.bids_received.v1",
        f"commission/{commission_id}",
        {"commission_id": commission_id, "count": count},
        audience=f"org:{org}",
    )


async def test_a_private_event_goes_to_its_council_alone(
    embedded: Embedded, receiver: Receiver
) -> None:
    mine, theirs = embedded.tokens.council(), embedded.tokens.council(org="GB-LAE-FYL")
    app, enterprise = embedded.tokens.token(), embedded.tokens.enterprise("e-1")
    other = await Receiver().start()
    try:
        hook = await embedded.subscribe(mine, receiver.url)
        for token in (theirs, app, enterprise):
            await embedded.subscribe(token, other.url)  # no filters: everything they may see
        event = bids_received("c-1", "GB-LAE-BPL", 3)
        await embedded.deliver(PRIVATE, event)
        await embedded.worker.deliver_due()
        [request] = receiver.requests
        assert verified(hook["secret"], request)["data"] == {"commission_id": "c-1", "count": 3}
        assert other.requests == []
        feed = await embedded.client.get("/v1/me/events", headers=bearer(mine))
        assert [i["event"]["id"] for i in feed.json()["items"]] == [event.id]
        for token in (theirs, app, enterprise):
            feed = await embedded.client.get("/v1/me/events", headers=bearer(token))
            assert feed.json()["items"] == []
    finally:
        await other.stop()


async def test_a_private_event_without_an_audience_goes_to_nobody(
    embedded: Embedded, receiver: Receiver
) -> None:
    await embedded.subscribe(embedded.tokens.council(), receiver.url)
    event = envelope("commissioning.commission.bids_received.v1", "commission/c-2", {"count": 1})
    await embedded.deliver(PRIVATE, event)
    assert await embedded.worker.deliver_due() == 0
    async with embedded.state.runtime.sessions() as session:
        assert (await session.execute(select(orm.events.c.position))).first() is None


async def test_a_public_event_claiming_an_audience_is_still_public(
    embedded: Embedded, receiver: Receiver
) -> None:
    """An audience on a public topic never narrows or widens anything: the topic decides."""
    token = embedded.tokens.enterprise("e-1")
    await embedded.subscribe(token, receiver.url)
    event = commission_published([ANCHORSHOLME])
    await embedded.deliver("commissioning.commission.v1", event)
    feed = await embedded.client.get("/v1/me/events", headers=bearer(token))
    assert [i["event"]["id"] for i in feed.json()["items"]] == [event.id]
    assert await embedded.worker.deliver_due() == 1


#: Every producer's private notice (topic, type, its principal): the isolation holds for each.
NOTICES = [
    ("registry.private.v1", "registry.enterprise.verification_decided.v1", "enterprise:e-1"),
    ("commissioning.private.v1", "commissioning.commission.deadline_passed.v1", "org:GB-LAE-BPL"),
    ("commissioning.private.v1", "commissioning.bid.outcome_decided.v1", "enterprise:e-1"),
    (
        "commissioning.private.v1",
        "commissioning.contract.activation_confirmed.v1",
        "enterprise:e-1",
    ),
    ("commissioning.private.v1", "commissioning.contract.payment_recorded.v1", "enterprise:e-1"),
    (
        "commissioning.private.v1",
        "commissioning.commission.evaluation_completed.v1",
        "org:GB-LAE-BPL",
    ),
    ("outcomes.private.v1", "outcomes.observation.awaiting_verification.v1", "org:GB-LAE-BPL"),
    ("outcomes.private.v1", "outcomes.observation.verification_decided.v1", "enterprise:e-1"),
    ("notifications.private.v1", "notifications.webhook.disabled.v1", "org:GB-LAE-BPL"),
]


@pytest.mark.parametrize(("topic", "event_type", "audience"), NOTICES)
async def test_every_private_notice_reaches_its_principal_and_no_other(
    embedded: Embedded, receiver: Receiver, topic: str, event_type: str, audience: str
) -> None:
    tokens = embedded.tokens
    principals = {
        "org:GB-LAE-BPL": tokens.council(),
        "org:GB-LAE-FYL": tokens.council(org="GB-LAE-FYL"),
        "enterprise:e-1": tokens.enterprise("e-1"),
        "enterprise:e-2": tokens.enterprise("e-2"),
        "client": tokens.token(),
    }
    other = await Receiver().start()
    try:
        hook = await embedded.subscribe(principals[audience], receiver.url)
        for who, token in principals.items():
            if who != audience:
                await embedded.subscribe(token, other.url)  # no filters: all they may see
        event = envelope(event_type, "subject/x-1", {"ref": "x-1"}, audience=audience)
        await embedded.deliver(topic, event)
        await embedded.worker.deliver_due()
        [request] = receiver.requests
        assert verified(hook["secret"], request)["id"] == event.id
        assert other.requests == []
        for who, token in principals.items():
            feed = await embedded.client.get("/v1/me/events", headers=bearer(token))
            ids = [i["event"]["id"] for i in feed.json()["items"]]
            assert ids == ([event.id] if who == audience else []), who
    finally:
        await other.stop()


async def test_every_bidder_is_told_its_outcome_from_one_award_event(embedded: Embedded) -> None:
    """One lot award becomes a notice per bidder, all with the award's subject and sequence:
    each is a separate notice, so none may be dropped as an older copy of another."""
    bidders = ("e-1", "e-2", "e-3")
    notices = [
        envelope(
            "commissioning.bid.outcome_decided.v1",
            "commission/c-9",
            {"commission_id": "c-9", "bid_id": f"b-{who}", "outcome": "unsuccessful"},
            sequence=7,
            audience=f"enterprise:{who}",
        )
        for who in bidders
    ]
    for notice in notices:
        await embedded.deliver(PRIVATE, notice)
    for who, notice in zip(bidders, notices, strict=True):
        feed = await embedded.client.get(
            "/v1/me/events", headers=bearer(embedded.tokens.enterprise(who))
        )
        assert [i["event"]["id"] for i in feed.json()["items"]] == [notice.id], who


async def test_evaluation_complete_reaches_the_buyer_council_alone(
    embedded: Embedded, receiver: Receiver
) -> None:
    """Subscribed to exactly that type, or to the whole family: only the buyer is told."""
    completed = "commissioning.commission.evaluation_completed.v1"
    tokens = embedded.tokens
    buyer = tokens.council()
    others = {
        "another council": tokens.council(org="GB-LAE-FYL"),
        "a bidder": tokens.enterprise("e-1"),
        "a client of the open data": tokens.token(),
    }
    other = await Receiver().start()
    try:
        hook = await embedded.subscribe(buyer, receiver.url, event_types=[completed])
        for token in others.values():
            await embedded.subscribe(token, other.url, event_types=["commissioning.commission.*"])
        data = {
            "commission_id": "c-7",
            "lot_id": "lot-1",
            "method": "panel",
            "bids": 2,
            "completed_at": "2026-12-24T10:00:00+00:00",
        }
        event = envelope(completed, "commission/c-7", data, audience="org:GB-LAE-BPL")
        await embedded.deliver(PRIVATE, event)
        assert await embedded.worker.deliver_due() == 1
        [request] = receiver.requests
        assert verified(hook["secret"], request)["data"] == data
        assert other.requests == []
        feed = await embedded.client.get("/v1/me/events", headers=bearer(buyer))
        assert [i["event"]["id"] for i in feed.json()["items"]] == [event.id]
        for who, token in others.items():
            feed = await embedded.client.get("/v1/me/events", headers=bearer(token))
            assert feed.json()["items"] == [], who
    finally:
        await other.stop()
