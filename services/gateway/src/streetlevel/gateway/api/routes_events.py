"""``GET /v1/events``: the public change feed, as JSON pages or Server-Sent Events."""

from __future__ import annotations

import time

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from streetlevel.common.errors import ValidationProblem
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import check_limit, link_header
from streetlevel.gateway.api.deps import GatewayDep
from streetlevel.gateway.api.schemas import EventPage

router = APIRouter(tags=["events"])

DESCRIPTION = """Every event of the public topics, in the order the feed writer stored them.

Each item is the CloudEvents 1.0 envelope exactly as published plus a `position` extension
attribute: a decimal integer sent as a string (like `sequence`), gapless and increasing. The
cursor is a position: `cursor` is the position of the last event you processed, and
`next_cursor` is the position to resume from — the same string as the last item's `position`
(it is returned even on the last page: the feed never ends — poll again later). A cursor older
than the retention → 410. With `Accept: text/event-stream` the feed is streamed as Server-Sent
Events whose `id` is the position and whose `data` is the item; reconnect with `Last-Event-ID`
to resume.
"""
SSE_SCHEMA = {
    "type": "string",
    "description": "Server-Sent Events: `id: <position>`, `event: <type>`, `data: <EventRead "
    "as JSON>`, separated by blank lines; `: heartbeat` comments keep the connection alive.",
}


def _position(value: str | None, where: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise ValidationProblem(
            "The cursor is not valid.",
            [{"loc": [where], "msg": "must be a non-negative integer", "type": "value_error"}],
        )
    return int(value)


@router.get(
    "/v1/events",
    summary="The public change feed",
    description=DESCRIPTION,
    response_model=None,
    responses={
        200: {
            "model": EventPage,
            "description": "A page of events, or with `Accept: text/event-stream` a stream",
            "content": {"text/event-stream": {"schema": SSE_SCHEMA}},
        },
        **problems(410),
    },
)
async def events(
    request: Request,
    gateway: GatewayDep,
    cursor: str | None = Query(default=None, description="position of the last event seen"),
    limit: int | None = Query(default=None),
    types: str | None = Query(default=None, description="comma-separated event types"),
) -> Response:
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    after = _position(cursor, "query.cursor")
    if "text/event-stream" in request.headers.get("accept", ""):
        resume = _position(request.headers.get("last-event-id"), "header.Last-Event-ID")
        start = resume if resume is not None else after
        # Fail fast with 410 before the stream starts.
        await gateway.feed.page(after=start, limit=1, types=wanted)
        stream = gateway.feed.stream(
            after=start,
            types=wanted,
            poll_s=gateway.settings.feed_poll_s,
            heartbeat_s=gateway.settings.feed_heartbeat_s,
            clock=time.monotonic,
        )
        return StreamingResponse(
            stream,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    size = check_limit(limit)
    items = await gateway.feed.page(after=after, limit=size, types=wanted)
    last = items[-1]["position"] if items else after
    next_cursor = str(last) if last is not None else None  # the same string as `position`
    return JSONResponse(
        {"items": items, "next_cursor": next_cursor},
        headers=link_header(str(request.url), next_cursor),
    )
