"""``GET /`` and ``GET /developers``: the front door, as HTML for people or a JSON index.

In embedded mode ``/`` for a browser is the public site's home (``platform/site.py``), as an
HTTPRoute makes it in the distributed mode; ``/developers`` is this page's lasting address.
Both are kept out of the OpenAPI document: their links are the documented operations, and
``/`` leaving would otherwise read as a breaking change.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from streetlevel.gateway.api import frontdoor
from streetlevel.gateway.api.deps import GatewayDep

router = APIRouter(include_in_schema=False)

#: No script at all; styles and the icon from the gateway itself.
FRONT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
OFFERS = (frontdoor.JSON, frontdoor.HTML)


def _front(request: Request, public_base_url: str) -> Response:
    chosen = frontdoor.negotiate(request.headers.get("accept"), OFFERS)
    if chosen == frontdoor.HTML:
        return HTMLResponse(
            frontdoor.page(), headers={"Content-Security-Policy": FRONT_CSP, "Vary": "Accept"}
        )
    return JSONResponse(frontdoor.index(public_base_url), headers={"Vary": "Accept"})


@router.get("/")
async def home(request: Request, gateway: GatewayDep) -> Response:
    return _front(request, gateway.settings.public_base_url)


@router.get("/developers")
async def developers(request: Request, gateway: GatewayDep) -> Response:
    return _front(request, gateway.settings.public_base_url)
