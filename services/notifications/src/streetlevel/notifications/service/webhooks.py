"""Use cases of webhook subscriptions: load → act → commit, one unit of work each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select

from streetlevel.common.auth import Principal
from streetlevel.common.errors import ValidationProblem
from streetlevel.common.events import TYPE_PREFIX, Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.uow import UnitOfWork
from streetlevel.notifications.adapters import orm
from streetlevel.notifications.adapters.deliveries import enqueue, message_id, store_event
from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.domain.errors import QuotaExceeded
from streetlevel.notifications.domain.subscriptions import Filters, Status, Subscription
from streetlevel.notifications.service.access import owned_or_404, owner_of

UrlCheck = Callable[[str], Awaitable[None]]
PING_TYPE = "notifications.webhook.ping.v1"


async def create_webhook(
    *,
    uow: UnitOfWork,
    principal: Principal,
    url: str,
    filters: Filters,
    description: str,
    check_url: UrlCheck,
    quota: int,
) -> Subscription:
    """A principal registers an endpoint; its secret is returned this once."""
    owner = owner_of(principal)
    await check_url(url)
    async with uow:
        repo = SubscriptionRepository(uow.session)
        if await repo.count_for(owner) >= quota:
            raise QuotaExceeded(f"A principal may have at most {quota} webhooks.", quota=quota)
        sub = Subscription.create(
            id=str(new_id()),
            owner=owner,
            url=url,
            filters=filters,
            description=description,
            now=uow.clock.now(),
        )
        await repo.add(sub)
        await uow.commit()
    return sub


async def update_webhook(
    *,
    uow: UnitOfWork,
    principal: Principal,
    webhook_id: str,
    url: str | None,
    description: str | None,
    filters: Filters | None,
    status: Status | None,
    check_url: UrlCheck,
) -> Subscription:
    """The owner edits, pauses or resumes its endpoint (resuming re-enables a disabled one)."""
    if status == "disabled":
        raise ValidationProblem(
            "Only the platform disables a webhook; pause it instead.",
            [{"loc": ["body", "status"], "msg": "use 'paused'", "type": "value_error"}],
        )
    if url is not None:
        await check_url(url)
    async with uow:
        sub = await owned_or_404(uow.session, principal, webhook_id)
        loaded = sub.version
        sub.change(
            now=uow.clock.now(), url=url, description=description, filters=filters, status=status
        )
        await SubscriptionRepository(uow.session).save(sub, loaded_version=loaded)
        await uow.commit()
    return sub


async def delete_webhook(*, uow: UnitOfWork, principal: Principal, webhook_id: str) -> None:
    """The owner removes its endpoint; pending deliveries to it are dropped."""
    async with uow:
        await owned_or_404(uow.session, principal, webhook_id)
        await SubscriptionRepository(uow.session).delete(webhook_id)
        await uow.session.execute(
            orm.deliveries.delete().where(orm.deliveries.c.subscription_id == webhook_id)
        )
        await uow.commit()


async def rotate_secret(
    *, uow: UnitOfWork, principal: Principal, webhook_id: str
) -> tuple[Subscription, str]:
    """A new secret, shown once; the old one keeps signing for 24 hours."""
    async with uow:
        sub = await owned_or_404(uow.session, principal, webhook_id)
        loaded = sub.version
        secret = sub.rotate_secret(uow.clock.now())
        await SubscriptionRepository(uow.session).save(sub, loaded_version=loaded)
        await uow.commit()
    return sub, secret


async def ping_webhook(
    *, uow: UnitOfWork, principal: Principal, webhook_id: str, base_source: str
) -> str:
    """Queue a test event to this one endpoint; returns its ``webhook-id``."""
    async with uow:
        sub = await owned_or_404(uow.session, principal, webhook_id)
        now = uow.clock.now()
        envelope = Envelope(
            id=str(new_id()),
            source=base_source,
            type=TYPE_PREFIX + PING_TYPE,
            subject=f"webhook/{sub.id}",
            time=now,
            sequence="1",
            data={"webhook_id": sub.id, "message": "Street Level test event"},
            audience=sub.owner,
        )
        position = await store_event(
            uow.session,
            event_id=envelope.id,
            type=envelope.type,
            audience=sub.owner,
            time=now,
            body=envelope.to_json(),
            received_at=now,
        )
        msg_id = message_id(envelope.id)
        await enqueue(
            uow.session, position=position, msg_id=msg_id, subscription_ids=[sub.id], now=now
        )
        await uow.commit()
    return msg_id


async def replay(
    *,
    uow: UnitOfWork,
    principal: Principal,
    webhook_id: str,
    matching: Callable[[Subscription, bytes, str | None], bool],
    since: datetime | None = None,
    until: datetime | None = None,
    from_position: int | None = None,
    to_position: int | None = None,
    limit: int = 10_000,
) -> int:
    """Queue again every logged event in the range that this webhook's filters match."""
    events = orm.events
    async with uow:
        sub = await owned_or_404(uow.session, principal, webhook_id)
        query = select(events.c.position, events.c.event_id, events.c.body, events.c.audience)
        if since is not None:
            query = query.where(events.c.received_at >= since)
        if until is not None:
            query = query.where(events.c.received_at < until)
        if from_position is not None:
            query = query.where(events.c.position >= from_position)
        if to_position is not None:
            query = query.where(events.c.position <= to_position)
        rows = (await uow.session.execute(query.order_by(events.c.position).limit(limit))).all()
        now = uow.clock.now()
        queued = 0
        for row in rows:
            if matching(sub, row.body, row.audience):
                await enqueue(
                    uow.session,
                    position=row.position,
                    msg_id=message_id(row.event_id),
                    subscription_ids=[sub.id],
                    now=now,
                )
                queued += 1
        await uow.commit()
    return queued
