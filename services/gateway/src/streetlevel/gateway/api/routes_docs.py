"""``GET /openapi.json`` (merged), ``/docs`` (Swagger UI), ``/redoc`` (ReDoc) and their assets.

The documentation pages load nothing from outside the gateway, so they work offline and under
a strict Content-Security-Policy: no inline script (Swagger UI starts from a served file,
ReDoc from its ``<redoc spec-url>`` element).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from streetlevel.common.errors import NotFound
from streetlevel.gateway.api.assets import ASSETS, IMMUTABLE, STALE
from streetlevel.gateway.api.deps import GatewayDep

router = APIRouter(include_in_schema=False)

OPENAPI_URL = "/openapi.json"
TITLE = "Street Level API"
_CSP_COMMON = (
    "default-src 'none'; script-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: Swagger UI sets styles only through the CSSOM, which style-src does not restrict.
SWAGGER_CSP = f"{_CSP_COMMON}; style-src 'self'"
#: ReDoc's styled-components write <style> text, hence 'unsafe-inline' for styles (never for
#: scripts); its search index runs in a worker built from a blob.
REDOC_CSP = f"{_CSP_COMMON}; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
NOSCRIPT = (
    "<noscript><p>This page needs JavaScript. The API description is at "
    f'<a href="{OPENAPI_URL}">{OPENAPI_URL}</a>; the guide for developers is at '
    '<a href="/developers">/developers</a>.</p></noscript>'
)


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="icon" type="image/png" href="{ASSETS.url("favicon.png")}">\n'
        f"{head}</head>\n<body>\n{NOSCRIPT}\n{body}</body>\n</html>\n"
    )


def swagger_html() -> str:
    return _page(
        f"{TITLE} — Swagger UI",
        f'<link rel="stylesheet" href="{ASSETS.url("swagger-ui.css")}">\n',
        f'<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>\n'
        f'<script src="{ASSETS.url("swagger-ui-bundle.js")}"></script>\n'
        f'<script src="{ASSETS.url("swagger-init.js")}"></script>\n',
    )


def redoc_html() -> str:
    return _page(
        f"{TITLE} — ReDoc",
        "",
        f'<redoc spec-url="{OPENAPI_URL}"></redoc>\n'
        f'<script src="{ASSETS.url("redoc.standalone.js")}"></script>\n',
    )


def _html(content: str, csp: str) -> HTMLResponse:
    return HTMLResponse(content, headers={"Content-Security-Policy": csp})


def _etags(header: str | None) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in (header or "").split(",")}


@router.get(OPENAPI_URL)
async def openapi(gateway: GatewayDep) -> JSONResponse:
    return JSONResponse(await gateway.openapi.document())


@router.get("/docs")
async def docs() -> HTMLResponse:
    return _html(swagger_html(), SWAGGER_CSP)


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _html(redoc_html(), REDOC_CSP)


@router.get("/assets/{digest}/{name}")
async def asset(digest: str, name: str, request: Request) -> Response:
    found = ASSETS.get(name)
    if found is None:
        raise NotFound(f"No asset named {name!r}.")
    headers = {
        "Cache-Control": IMMUTABLE if digest == ASSETS.digest else STALE,
        "ETag": found.etag,
    }
    if found.etag in _etags(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
