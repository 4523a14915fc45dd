"""``GET /openapi.json`` (merged) and ``GET /docs`` (Swagger UI), both public."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, JSONResponse

from streetlevel.gateway.api.deps import GatewayDep

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi(gateway: GatewayDep) -> JSONResponse:
    return JSONResponse(await gateway.openapi.document())


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Street Level API")
