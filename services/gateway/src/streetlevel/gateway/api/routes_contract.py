"""The event contract: ``GET /asyncapi.json`` and ``GET /schemas/events/<type>.json``.

Both are public and describe public topics only; operators (``admin`` scope) read the variant
with internal topics under ``/v1/admin/`` — the same document, from the same source, so it is
always the running version's, and access-controlled like every other admin route.
"""

from __future__ import annotations

import re

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from streetlevel.common.contract import schema_response
from streetlevel.common.errors import NotFound
from streetlevel.gateway.api.deps import Admin, GatewayDep
from streetlevel.gateway.contract import EventCatalogue

router = APIRouter(include_in_schema=False)
TYPE_FILE = re.compile(r"^([a-z]+(?:\.[a-z_]+)+\.v[1-9][0-9]*)\.json$")
ASYNCAPI_CACHE = "public, max-age=300"


def _json(document: object, cache: str) -> Response:
    return Response(
        orjson.dumps(document), media_type="application/json", headers={"Cache-Control": cache}
    )


@router.get("/asyncapi.json")
async def asyncapi(gateway: GatewayDep) -> Response:
    return _json(await gateway.contract.document(internal=False), ASYNCAPI_CACHE)


@router.get("/v1/admin/asyncapi.json")
async def asyncapi_for_operators(gateway: GatewayDep, _admin: Admin) -> Response:
    return _json(await gateway.contract.document(internal=True), "private, no-store")


async def _schema(
    catalogue: EventCatalogue, name: str, request: Request, *, internal: bool
) -> Response:
    match = TYPE_FILE.match(name)
    event_type = match.group(1) if match else None
    visibility = await catalogue.visibility(event_type) if event_type else None
    allowed = ("public", "internal") if internal else ("public",)
    body = await catalogue.schema(event_type) if event_type and visibility in allowed else None
    if body is None:
        raise NotFound(f"No published event type {name.removesuffix('.json')!r}.")
    return schema_response(body, request.headers.get("if-none-match"))


@router.get("/schemas/events/{name}")
async def event_schema(name: str, request: Request, gateway: GatewayDep) -> Response:
    return await _schema(gateway.contract, name, request, internal=False)


@router.get("/v1/admin/schemas/events/{name}")
async def event_schema_for_operators(
    name: str, request: Request, gateway: GatewayDep, _admin: Admin
) -> Response:
    return await _schema(gateway.contract, name, request, internal=True)
