"""Dependencies and small HTTP helpers shared by the routes."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from starlette.responses import Response

from streetlevel.commissioning.service.context import Services
from streetlevel.common.etags import digest_tag, none_match


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def single(
    request: Request,
    body: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """A single resource with a strong ETag; ``If-None-Match`` → 304."""
    raw = orjson.dumps(body)
    etag = etag or digest_tag(raw)
    out = {"ETag": etag, **(headers or {})}
    if status == 200 and none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=out)
    return Response(raw, status_code=status, media_type="application/json", headers=out)
