"""The site's pages: each reads the public API through the gateway and renders one template."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from streetlevel.web import views
from streetlevel.web.atom import FeedIndex, feed_xml
from streetlevel.web.gateway import GatewayClient, NotFound

router = APIRouter(include_in_schema=False)

GSS = re.compile(r"^[EWSN]\d{8}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HTML_CACHE = "public, max-age=30"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def site(request: Request) -> Any:
    return request.app.state.site


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """The rendered template, tagged; a matching ``If-None-Match`` gets 304."""
    s = site(request)
    body = (
        s.templates.get_template(template)
        .render(
            api=s.settings.public_base_url,
            css=s.css_url,
            ogl=OGL,
            path=request.url.path,
            **context,
        )
        .encode()
    )
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": HTML_CACHE if status == 200 else "no-store"}
    if status == 200 and tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type="text/html", headers=headers)


def wants_json(accept: str | None) -> bool:
    """Whether ``GET /`` serves the API index: unless HTML ranks higher, as at the gateway."""
    ranks: dict[str, float] = {}
    for part in (accept or "*/*").split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranks[kind.lower()] = max(q, ranks.get(kind.lower(), 0.0))
    wildcard = max(ranks.get("*/*", 0.0), ranks.get("text/*", 0.0))
    html_q = ranks.get("text/html", wildcard)
    json_q = ranks.get(
        "application/json", max(ranks.get("*/*", 0.0), ranks.get("application/*", 0.0))
    )
    return (json_q >= html_q and json_q > 0) or html_q == 0


def gateway(request: Request) -> GatewayClient:
    client: GatewayClient = site(request).gateway
    return client


@router.get("/")
async def home(request: Request, q: str | None = None) -> Response:
    if wants_json(request.headers.get("accept")):
        index = await gateway(request).get("/")
        return JSONResponse(index, headers={"Vary": "Accept"})
    query = (q or "").strip()[:100] or None
    response = page(request, "home.html", **await views.home(gateway(request), query))
    response.headers["Vary"] = "Accept"
    return response


@router.get("/areas/{gss}")
async def area(request: Request, gss: str) -> Response:
    if not GSS.match(gss):
        raise NotFound(gss)
    return page(request, "area.html", **await views.area(gateway(request), gss))


@router.get("/areas/{gss}/feed.atom")
async def area_feed(request: Request, gss: str) -> Response:
    if not GSS.match(gss):
        raise NotFound(gss)
    s = site(request)
    gw = gateway(request)
    place = await gw.get(f"/v1/areas/{gss}")
    codes = {gss} | {c["code"] for c in place.get("children", [])}
    enterprises = await gw.get("/v1/enterprises", area=gss, limit=views.LIST_LIMIT)
    index: FeedIndex = s.feed
    await index.catch_up()
    events = index.about(codes, {e["id"] for e in enterprises["items"]})
    body = feed_xml(
        area=place,
        events=events[: s.settings.feed_entries],
        site_url=s.settings.site_base(),
        api_url=s.settings.public_base_url,
    )
    return Response(body, media_type="application/atom+xml", headers={"Cache-Control": HTML_CACHE})


@router.get("/enterprises/{enterprise_id}")
async def enterprise(request: Request, enterprise_id: str) -> Response:
    if not UUID.match(enterprise_id):
        raise NotFound(enterprise_id)
    return page(
        request, "enterprise.html", **await views.enterprise(gateway(request), enterprise_id)
    )


@router.get("/commissions/{commission_id}")
async def commission(request: Request, commission_id: str) -> Response:
    if not UUID.match(commission_id):
        raise NotFound(commission_id)
    return page(
        request, "commission.html", **await views.commission(gateway(request), commission_id)
    )


@router.get("/open-data")
async def open_data(request: Request) -> Response:
    return page(request, "open_data.html")


@router.get("/site.css")
async def stylesheet(request: Request) -> Response:
    s = site(request)
    return Response(
        s.css,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=86400", "ETag": s.css_tag},
    )
