"""Consumers: every public and private event is logged and queued for matching webhooks."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.areas import AreaIndex
from streetlevel.common.clock import Clock
from streetlevel.common.events import Envelope
from streetlevel.common.inbox import Handler
from streetlevel.notifications.adapters.deliveries import enqueue, message_id, store_event
from streetlevel.notifications.adapters.repository import SubscriptionRepository
from streetlevel.notifications.domain.events import PRIVATE_TOPIC
from streetlevel.notifications.domain.matching import facets_of, matches

#: The change feed's topics: open data, for any principal that subscribes.
PUBLIC_TOPICS = (
    "registry.enterprise.v1",
    "registry.theme.v1",
    "commissioning.commission.v1",
    "commissioning.contract.v1",
    "outcomes.indicator.v1",
    "outcomes.plan.v1",
)
#: ``<service>.private.v1``: each event names its one principal in ``audience``.
PRIVATE_TOPICS = (
    "registry.private.v1",
    "commissioning.private.v1",
    "outcomes.private.v1",
    PRIVATE_TOPIC,
)


def audience_of(event: Envelope) -> str | None:
    """The principal a private event concerns (its CloudEvents ``audience`` extension)."""
    extra = event.model_extra or {}
    value = extra.get("audience")
    return value if isinstance(value, str) and value else None


def fan_out_handler(
    *,
    clock: Clock,
    areas: Callable[[], AreaIndex],
    private: bool,
    on_queued: Callable[[], None] | None = None,
) -> Handler:
    """Log the event and queue one delivery per matching active subscription (one transaction)."""

    async def handle(session: AsyncSession, event: Envelope) -> None:
        audience = audience_of(event)
        if private and audience is None:
            return  # a private event without its principal goes to nobody
        if not private:
            audience = None  # a public topic's event is public, whatever it claims
        now = clock.now()
        position = await store_event(
            session,
            event_id=event.id,
            type=event.type,
            audience=audience,
            time=event.time,
            body=event.to_json(),
            received_at=now,
        )
        facets = facets_of(event.short_type, event.subject, event.data, audience)
        index = areas()
        wanted = [
            sub.id
            for sub in await SubscriptionRepository(session).active()
            if matches(sub.filters, facets, owner=sub.owner, related=index.related)
        ]
        await enqueue(
            session,
            position=position,
            msg_id=message_id(event.id),
            subscription_ids=wanted,
            now=now,
        )
        if wanted and on_queued is not None:
            # The worker's claim waits for this transaction (SQLite's writer lock) or, on
            # PostgreSQL, finds the rows at its next short poll at the latest.
            on_queued()

    return handle
