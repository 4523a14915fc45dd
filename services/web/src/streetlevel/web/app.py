"""The public site: server-rendered pages from the platform's public API, through the gateway only.

``uvicorn --factory streetlevel.web.app:create_app`` runs it from the environment (``WEB_*``); in
embedded mode the gateway serves it in the same process, reading the API in-process.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.logging import configure_logging
from streetlevel.common.settings import load_settings
from streetlevel.common.web import EdgeMiddleware
from streetlevel.web import routes
from streetlevel.web.atom import FeedIndex
from streetlevel.web.gateway import GatewayClient, GatewayUnavailable, Gone, NotFound
from streetlevel.web.headers import SecurityHeaders
from streetlevel.web.health import health_router
from streetlevel.web.render import environment
from streetlevel.web.settings import WebSettings

log = logging.getLogger(__name__)

#: The paths the site answers (the gateway, or an HTTPRoute, sends these here).
SITE_PATHS = ("/", "/areas/", "/enterprises/", "/commissions/", "/open-data", "/site.css")
RETRY_AFTER_S = 30


def is_site_path(path: str) -> bool:
    """Whether ``path`` is one of the site's pages."""
    return path in ("/", "/open-data", "/site.css") or path.startswith(SITE_PATHS[1:4])


class Site:
    """The site's parts for the life of the process."""

    def __init__(
        self, settings: WebSettings, *, transport: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.templates = environment()
        self.css = (Path(__file__).parent / "static" / "site.css").read_bytes()
        digest = hashlib.sha256(self.css).hexdigest()[:16]
        self.css_tag = f'"{digest}"'
        self.css_url = f"/site.css?v={digest}"
        self.gateway = GatewayClient.create(
            settings.gateway_url,
            timeout_s=settings.gateway_timeout_s,
            cache_entries=settings.cache_entries,
            cache_ttl_s=settings.cache_ttl_s,
            transport=transport,
        )
        self.feed = FeedIndex(self.gateway, keep=settings.feed_scan_events)

    def readiness(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        return {"gateway": self._gateway_live}

    async def _gateway_live(self) -> None:
        response = await self.gateway.http.get("/livez")
        response.raise_for_status()


def _error(request: Request, status: int, template: str, **context: Any) -> Response:
    response = routes.page(request, template, status=status, **context)
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def build_api(site: Site) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await site.gateway.close()

    api = FastAPI(
        title="Street Level public site",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    api.state.site = site
    api.include_router(routes.router)
    api.include_router(health_router(site.readiness))

    @api.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "not_found.html")

    @api.exception_handler(Gone)
    async def gone(request: Request, exc: Gone) -> Response:
        return _error(request, 410, "gone.html")

    @api.exception_handler(GatewayUnavailable)
    async def unavailable(request: Request, exc: GatewayUnavailable) -> Response:
        log.warning("gateway unavailable: %s", exc)
        return _error(request, 503, "unavailable.html")

    @api.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("page failed: %s", request.url.path)
        return _error(request, 500, "problem.html")

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _error(request, 404, "not_found.html")
        headers = dict(exc.headers or {})
        return Response(str(exc.detail), status_code=exc.status_code, headers=headers)

    return api


def create_app(
    settings: WebSettings | None = None, *, transport: httpx2.AsyncBaseTransport | None = None
) -> Any:
    """The site's ASGI app: security headers outside the shared edge middleware."""
    settings = settings or load_settings(WebSettings)
    # As every service does: as its own process the site's access lines and WEB_LOG_* apply
    # (in embedded mode the platform configured logging first, and the first call wins).
    configure_logging(level=settings.log_level, json=settings.log_json, service="web")
    site = Site(settings, transport=transport)
    edge = EdgeMiddleware(build_api(site), service=settings.service_name)
    app = SecurityHeaders(edge)
    app.site = site  # type: ignore[attr-defined]
    return app


#: The site as the platform and the stack see it: no routes behind the gateway, no database.
SERVICE = ServiceDescriptor(name="web", create_app=create_app, settings=WebSettings, prefixes=())
