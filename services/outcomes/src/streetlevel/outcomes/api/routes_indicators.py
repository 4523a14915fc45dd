"""``/v1/indicators``: the catalogue, readable by anyone, extended by councils."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from streetlevel.common.etags import expected_version, none_match, version_tag
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.patch import merge_patch
from streetlevel.common.service import CurrentPrincipal, requires
from streetlevel.common.themes import check_themes
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.indicator_repository import (
    IndicatorRepository,
    indicator_from_row,
)
from streetlevel.outcomes.api.deps import ServicesDep, Session
from streetlevel.outcomes.api.patching import validate_patched
from streetlevel.outcomes.api.schemas import IndicatorCreate, IndicatorPage, IndicatorRead
from streetlevel.outcomes.domain.errors import UnknownIndicator
from streetlevel.outcomes.domain.indicators import Indicator
from streetlevel.outcomes.domain.values import IndicatorData
from streetlevel.outcomes.service import handlers

router = APIRouter(prefix="/v1/indicators", tags=["indicators"])


def indicator_json(indicator: Indicator) -> dict[str, Any]:
    read = IndicatorRead(
        **indicator.spec.model_dump(),
        owner=indicator.owner,
        created_at=indicator.created_at,
        updated_at=indicator.updated_at,
    )
    return read.model_dump(mode="json")


@router.get("", response_model=IndicatorPage)
async def list_indicators(
    request: Request,
    session: Session,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
    kind: Annotated[str | None, Query(pattern="^(output|outcome)$")] = None,
    theme: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    """The catalogue, by code."""
    size = check_limit(limit)
    after = decode_cursor(cursor)
    if theme is not None:
        await check_themes(session, orm.themes, [theme], ["query", "theme"])
    query = select(orm.indicators).order_by(orm.indicators.c.code)
    if after is not None:
        query = query.where(orm.indicators.c.code > str(after.get("code", "")))
    if kind is not None:
        query = query.where(orm.indicators.c.kind == kind)
    rows = (await session.execute(query)).all()
    if theme is not None:
        rows = [row for row in rows if theme in row.themes]
    page, more = rows[:size], len(rows) > size
    next_cursor = encode_cursor({"code": page[-1].code}) if more else None
    items = [indicator_json(indicator_from_row(row)) for row in page]
    return JSONResponse(
        {"items": items, "next_cursor": next_cursor},
        headers=link_header(public_url(request), next_cursor),
    )


@router.get(
    "/{code}",
    response_model=IndicatorRead,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def get_indicator(
    code: str,
    session: Session,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One indicator of the catalogue; ETag and If-None-Match."""
    indicator = await IndicatorRepository(session).get(code)
    if indicator is None:
        raise UnknownIndicator(f"No indicator {code}.")
    body = indicator_json(indicator)
    etag = version_tag(indicator.version)
    if none_match(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(body, headers={"ETag": etag})


@router.post(
    "",
    dependencies=[requires("outcomes:write", "admin")],
    status_code=201,
    response_model=IndicatorRead,
    responses=problems(409),
)
async def create_indicator(
    body: IndicatorCreate, principal: CurrentPrincipal, services: ServicesDep
) -> JSONResponse:
    """Councils (``outcomes:write``) add their own indicators; admin the platform's."""
    data = IndicatorData.model_validate(body.model_dump())
    indicator = await handlers.create_indicator(
        uow=services.runtime.uow(), principal=principal, data=data
    )
    payload = indicator_json(indicator)
    return JSONResponse(
        payload,
        status_code=201,
        headers={
            "Location": f"/v1/indicators/{indicator.code}",
            "ETag": version_tag(indicator.version),
        },
    )


@router.patch(
    "/{code}",
    dependencies=[requires("outcomes:write", "admin")],
    response_model=IndicatorRead,
    responses=problems(409, 412),
)
async def patch_indicator(
    code: str,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: Session,
    if_match: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """JSON merge patch by the indicator's owner; the code never changes."""
    current = await IndicatorRepository(session).get(code)
    if current is None:
        raise UnknownIndicator(f"No indicator {code}.")
    await session.rollback()
    merged = merge_patch(current.spec.model_dump(mode="json"), patch)
    data = validate_patched(IndicatorData, merged, "indicator")
    indicator = await handlers.revise_indicator(
        uow=services.runtime.uow(),
        principal=principal,
        code=code,
        data=data,
        expected_version=expected_version(if_match),
    )
    return JSONResponse(indicator_json(indicator), headers={"ETag": version_tag(indicator.version)})
