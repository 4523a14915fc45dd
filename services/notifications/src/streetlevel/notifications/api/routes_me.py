"""``/v1/me/events``: the caller's private feed, as cursor pages or as server-sent events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query, Request
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response, StreamingResponse

from streetlevel.common.auth import Principal
from streetlevel.common.pagination import check_limit, decode_cursor, encode_cursor
from streetlevel.common.service import requires
from streetlevel.notifications.adapters import orm
from streetlevel.notifications.api.deps import ServicesDep, Session
from streetlevel.notifications.api.schemas import FeedItem, FeedPage
from streetlevel.notifications.service.access import audiences_of

router = APIRouter(prefix="/v1/me", tags=["webhooks"])
Caller = Annotated[Principal, requires()]
SSE_POLL_S = 1.0
SSE_BATCH = 100


async def _page(
    session: AsyncSession, principal: Principal, after: int, size: int
) -> list[FeedItem]:
    e = orm.events
    query = (
        select(e.c.position, e.c.body)
        .where(
            e.c.position > after,
            or_(e.c.audience.is_(None), e.c.audience.in_(audiences_of(principal))),
        )
        .order_by(e.c.position)
        .limit(size)
    )
    rows = (await session.execute(query)).all()
    return [FeedItem(position=r.position, event=orjson.loads(r.body)) for r in rows]


@router.get(
    "/events",
    response_model=FeedPage,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def my_events(
    request: Request,
    principal: Caller,
    session: Session,
    n: ServicesDep,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
    accept: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> FeedPage | Response:
    """Every public event and the caller's own private ones, oldest first; SSE on request."""
    after = int((decode_cursor(cursor) or {}).get("position", 0))
    if accept and "text/event-stream" in accept:
        start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
        return StreamingResponse(
            _stream(request, n, principal, start), media_type="text/event-stream"
        )
    size = check_limit(limit)
    items = await _page(session, principal, after, size)
    more = encode_cursor({"position": items[-1].position}) if len(items) == size else None
    return FeedPage(items=items, next_cursor=more)


async def _stream(
    request: Request, n: ServicesDep, principal: Principal, after: int
) -> AsyncIterator[bytes]:
    """``id`` is the position, so a reconnect with ``Last-Event-ID`` resumes where it broke."""
    yield b": street level private feed\n\n"
    while not await request.is_disconnected():
        async with n.runtime.sessions() as session:
            items = await _page(session, principal, after, SSE_BATCH)
        for item in items:
            after = item.position
            data = orjson.dumps(item.event).decode()
            kind = item.event.get("type", "message")
            yield f"id: {item.position}\nevent: {kind}\ndata: {data}\n\n".encode()
        if not items:
            await asyncio.sleep(SSE_POLL_S)
