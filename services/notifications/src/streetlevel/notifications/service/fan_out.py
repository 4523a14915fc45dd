"""Fan-out: every public and private event is logged and queued for the matching webhooks."""

from __future__ import annotations

from streetlevel.common.events import Envelope
from streetlevel.common.uow import UnitOfWork
from streetlevel.notifications.adapters.deliveries import enqueue, message_id, store_event
from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.domain.matching import facets_of, matches
from streetlevel.notifications.service.context import Services


def audience_of(event: Envelope) -> str | None:
    """The principal a private event concerns (its CloudEvents ``audience`` extension)."""
    extra = event.model_extra or {}
    value = extra.get("audience")
    return value if isinstance(value, str) and value else None


async def queue_event(
    *, uow: UnitOfWork, event: Envelope, services: Services, private: bool
) -> None:
    """Log the event and queue one delivery per matching active subscription (one transaction)."""
    audience = audience_of(event)
    if private and audience is None:
        return  # a private event without its principal goes to nobody
    if not private:
        audience = None  # a public topic's event is public, whatever it claims
    async with uow:
        now = uow.clock.now()
        position = await store_event(
            uow.session,
            event_id=event.id,
            type=event.type,
            audience=audience,
            time=event.time,
            body=event.to_json(),
            received_at=now,
        )
        facets = facets_of(event.short_type, event.subject, event.data, audience)
        related = services.areas.related
        wanted = [
            sid
            for sid, owner, filters in await services.active.current(
                SubscriptionRepository(uow.session)
            )
            if matches(filters, facets, owner=owner, related=related)
        ]
        await enqueue(
            uow.session,
            position=position,
            msg_id=message_id(event.id),
            subscription_ids=wanted,
            now=now,
        )
        await uow.commit()
    if wanted:
        # The worker's claim waits for the inbox's transaction (SQLite's writer lock) or, on
        # PostgreSQL, finds the rows at its next short poll at the latest.
        services.worker.wake()
