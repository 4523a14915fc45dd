"""The private feed (pages and SSE) and recovery: a worker killed mid-delivery loses nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from streetlevel.notifications.api import routes_me
from streetlevel.testing.tokens import TokenFactory

from .support import ANCHORSHOLME, Embedded, Receiver, commission_published, verified

bearer = TokenFactory.bearer
COMMISSIONS = "commissioning.commission.v1"


async def test_a_worker_killed_mid_delivery_delivers_again_with_the_same_id(
    embedded: Embedded, receiver: Receiver
) -> None:
    hook = await embedded.subscribe(embedded.tokens.council(), receiver.url)
    receiver.delay_s = 3600  # the request arrives; the answer never does
    await embedded.deliver(COMMISSIONS, commission_published([ANCHORSHOLME]))
    assert await embedded.worker.run_once() == 1
    await asyncio.wait_for(receiver.arrived.wait(), 10)  # the request reached the receiver
    for task in list(embedded.worker.tasks):
        task.cancel()  # the worker dies before it records anything
    await asyncio.gather(*embedded.worker.tasks, return_exceptions=True)
    receiver.delay_s = 0
    assert await embedded.worker.deliver_due() == 0  # still claimed by the dead attempt
    embedded.clock.advance(seconds=embedded.state.settings.delivery_claim_s + 1)
    assert await embedded.worker.deliver_due() == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(hook["secret"], second, embedded.clock.now())
    assert await embedded.worker.deliver_due() == 0


async def test_the_feed_pages_with_a_cursor_in_order(embedded: Embedded) -> None:
    token = embedded.tokens.enterprise("e-1")
    sent = [commission_published([ANCHORSHOLME]) for _ in range(5)]
    for event in sent:
        await embedded.deliver(COMMISSIONS, event)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await embedded.client.get("/v1/me/events", params=params, headers=bearer(token))
        ).json()
        seen += [item["event"]["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e.id for e in sent]


class _Request:
    """A client that disconnects once it has read one batch."""

    def __init__(self) -> None:
        self.calls = 0

    async def is_disconnected(self) -> bool:
        self.calls += 1
        return self.calls > 1


async def test_the_feed_streams_as_server_sent_events_resuming_after_an_id(
    embedded: Embedded,
) -> None:
    sent = [commission_published([ANCHORSHOLME]) for _ in range(3)]
    for event in sent:
        await embedded.deliver(COMMISSIONS, event)
    principal = await embedded.state.runtime.verifier.verify(embedded.tokens.token())  # type: ignore[union-attr]
    chunks = [
        c
        async for c in routes_me._stream(_Request(), embedded.state, principal, 1)  # type: ignore[arg-type]
    ]
    text = b"".join(chunks).decode()
    assert text.startswith(": street level private feed")
    assert "id: 2\n" in text
    assert "id: 3\n" in text
    assert "id: 1\n" not in text  # resumed after position 1
    assert sent[2].id in text
    assert "event: org.streetlevel.commissioning.commission.published.v1" in text
