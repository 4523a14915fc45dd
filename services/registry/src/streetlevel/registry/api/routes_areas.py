"""``/v1/areas`` (the ONS hierarchy) and ``/v1/themes``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from streetlevel.common.errors import NotFound
from streetlevel.common.pagination import check_limit, link_header, public_url
from streetlevel.registry.adapters import areas as area_store
from streetlevel.registry.adapters.read.export import LICENSE
from streetlevel.registry.api.deps import AreaCacheDep, RuntimeDep
from streetlevel.registry.api.schemas import AreaDetail, AreaPage, ThemeList
from streetlevel.registry.domain.themes import THEMES

router = APIRouter(tags=["areas"])


def _area(row: Any) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "type": row.type, "parent": row.parent}


@router.get("/v1/areas", response_model=AreaPage, summary="Areas (ONS GSS codes)")
async def list_areas(
    request: Request,
    runtime: RuntimeDep,
    type: Literal["country", "county", "lad", "ward", "lsoa"] | None = None,
    parent: Annotated[str | None, Query(max_length=9)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Response:
    """ONS areas by type, parent or name."""
    page_size = check_limit(limit)
    async with runtime.engine.connect() as conn:
        rows, next_cursor = await area_store.list_areas(
            conn, kind=type, parent=parent, q=q, limit=page_size, cursor=cursor
        )
    headers = {"X-License": LICENSE, **link_header(public_url(request), next_cursor)}
    return JSONResponse(
        {"items": [_area(r) for r in rows], "next_cursor": next_cursor}, headers=headers
    )


@router.get("/v1/areas/{code}", response_model=AreaDetail)
async def get_area(code: str, runtime: RuntimeDep, cache: AreaCacheDep) -> Response:
    """An area with its parent chain and children."""
    async with runtime.engine.connect() as conn:
        row = await area_store.get_area(conn, code)
        if row is None:
            raise NotFound(f"No area {code}.")
        index = await cache.get(conn)
        children = await area_store.children_of(conn, code)
    parents = [
        {"code": p.code, "name": p.name, "type": p.type, "parent": p.parent}
        for p in index.ancestors(code)
    ]
    return JSONResponse(
        {**_area(row), "parents": parents, "children": [_area(c) for c in children]},
        headers={"X-License": LICENSE},
    )


@router.get("/v1/themes", response_model=ThemeList, summary="Theme codes")
async def list_themes() -> dict[str, Any]:
    """The theme codes enterprises, commissions and indicators use."""
    return {
        "items": [{"code": t.code, "name": t.name, "description": t.description} for t in THEMES]
    }
