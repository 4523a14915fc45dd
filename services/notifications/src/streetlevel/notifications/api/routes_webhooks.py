"""``/v1/webhooks``: a principal's endpoints, their secrets, deliveries and replays."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from starlette.responses import Response

from streetlevel.common.auth import Principal
from streetlevel.common.errors import ValidationProblem
from streetlevel.common.events import Envelope
from streetlevel.common.pagination import check_limit, decode_cursor, encode_cursor
from streetlevel.common.service import requires
from streetlevel.notifications.adapters import orm
from streetlevel.notifications.adapters.subscription_repository import SubscriptionRepository
from streetlevel.notifications.api.deps import ServicesDep, Session
from streetlevel.notifications.api.schemas import (
    AttemptPage,
    AttemptRead,
    Ping,
    ReplayAccepted,
    ReplayRequest,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookRead,
    WebhookUpdate,
)
from streetlevel.notifications.domain.matching import facets_of, matches
from streetlevel.notifications.domain.subscriptions import ROTATION_OVERLAP, Subscription
from streetlevel.notifications.service import webhooks
from streetlevel.notifications.service.access import owned_or_404, owner_of

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Caller = Annotated[Principal, requires()]


@router.post("", status_code=201, response_model=WebhookCreated)
async def create_webhook(body: WebhookCreate, principal: Caller, n: ServicesDep) -> WebhookCreated:
    """Register an endpoint; the response holds its signing secret, shown only this once."""
    sub = await webhooks.create_webhook(
        uow=n.runtime.uow(),
        principal=principal,
        url=body.url,
        filters=body.filters.to_domain(),
        description=body.description,
        check_url=n.check_url,
        quota=n.settings.max_webhooks_per_principal,
    )
    return WebhookCreated(**WebhookRead.of(sub).model_dump(), secret=sub.current_secret)


@router.get("", response_model=WebhookList)
async def list_webhooks(principal: Caller, session: Session) -> WebhookList:
    """The caller's own endpoints (a principal has at most a few dozen)."""
    subs = await SubscriptionRepository(session).of_owner(owner_of(principal))
    return WebhookList(items=[WebhookRead.of(s) for s in subs])


@router.get("/{webhook_id}", response_model=WebhookRead)
async def read_webhook(webhook_id: str, principal: Caller, session: Session) -> WebhookRead:
    """One of the caller's endpoints (another principal's is 404); never its secret."""
    return WebhookRead.of(await owned_or_404(session, principal, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookRead)
async def update_webhook(
    webhook_id: str, body: WebhookUpdate, principal: Caller, n: ServicesDep
) -> WebhookRead:
    """Change the URL, description or filters; pause with ``status: paused``, resume with active."""
    sub = await webhooks.update_webhook(
        uow=n.runtime.uow(),
        principal=principal,
        webhook_id=webhook_id,
        url=body.url,
        description=body.description,
        filters=body.filters.to_domain() if body.filters is not None else None,
        status=body.status,
        check_url=n.check_url,
    )
    return WebhookRead.of(sub)


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: str, principal: Caller, n: ServicesDep) -> Response:
    """Remove the endpoint and drop what was still queued for it."""
    await webhooks.delete_webhook(uow=n.runtime.uow(), principal=principal, webhook_id=webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/ping", status_code=202, response_model=Ping)
async def ping_webhook(webhook_id: str, principal: Caller, n: ServicesDep) -> Ping:
    """Send a signed test event (``notifications.webhook.ping.v1``) to this endpoint."""
    msg_id = await webhooks.ping_webhook(
        uow=n.runtime.uow(),
        principal=principal,
        webhook_id=webhook_id,
        base_source="/streetlevel/notifications",
    )
    n.worker.wake()
    return Ping(webhook_id=msg_id)


@router.post("/{webhook_id}/secret", response_model=SecretRotated)
async def rotate_secret(webhook_id: str, principal: Caller, n: ServicesDep) -> SecretRotated:
    """A new secret; deliveries carry signatures by both old and new for 24 hours."""
    _sub, secret = await webhooks.rotate_secret(
        uow=n.runtime.uow(), principal=principal, webhook_id=webhook_id
    )
    return SecretRotated(
        secret=secret, previous_valid_until=n.runtime.clock.now() + ROTATION_OVERLAP
    )


@router.get("/{webhook_id}/deliveries", response_model=AttemptPage)
async def list_attempts(
    webhook_id: str,
    principal: Caller,
    session: Session,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> AttemptPage:
    """The attempt log, newest first: status, latency and a bounded excerpt of each response."""
    await owned_or_404(session, principal, webhook_id)
    size = check_limit(limit)
    after = decode_cursor(cursor)
    a = orm.attempts
    query = (
        select(a).where(a.c.subscription_id == webhook_id).order_by(a.c.id.desc()).limit(size + 1)
    )
    if after is not None:
        query = query.where(a.c.id < int(after.get("id", 0)))
    rows = (await session.execute(query)).mappings().all()
    items = [AttemptRead.model_validate(dict(r)) for r in rows[:size]]
    more = encode_cursor({"id": rows[size - 1]["id"]}) if len(rows) > size else None
    return AttemptPage(items=items, next_cursor=more)


@router.post("/{webhook_id}/replay", status_code=202, response_model=ReplayAccepted)
async def replay(
    webhook_id: str, body: ReplayRequest, principal: Caller, n: ServicesDep
) -> ReplayAccepted:
    """Queue again the events of a range (by time received or by position) this webhook matches."""
    if body.since is None and body.from_position is None:
        raise ValidationProblem(
            "A replay needs a start: since or from_position.",
            [{"loc": ["body"], "msg": "since or from_position is required", "type": "value_error"}],
        )
    areas = n.areas

    def wanted(sub: Subscription, raw: bytes, audience: str | None) -> bool:
        event = Envelope.from_json(raw)
        facets = facets_of(event.short_type, event.subject, event.data, audience)
        return matches(sub.filters, facets, owner=sub.owner, related=areas.related)

    queued = await webhooks.replay(
        uow=n.runtime.uow(),
        principal=principal,
        webhook_id=webhook_id,
        matching=wanted,
        since=body.since,
        until=body.until,
        from_position=body.from_position,
        to_position=body.to_position,
    )
    n.worker.wake()
    return ReplayAccepted(queued=queued)
