"""The public site (``services/web``) in the embedded platform's process.

The site reads the API through the gateway in-process (anonymously, like any app) and the
platform hands it the site's paths; ``GET /`` goes to the site when the client prefers HTML, and
stays the gateway's JSON index otherwise. In the distributed mode the site is its own service
behind the same routes (an HTTPRoute).
"""

from __future__ import annotations

from typing import Any

import httpx2

from streetlevel.common.settings import load_settings
from streetlevel.gateway.api import frontdoor
from streetlevel.gateway.app import GatewayEdge
from streetlevel.gateway.settings import GatewaySettings
from streetlevel.web.app import create_app, is_site_path
from streetlevel.web.settings import WebSettings

#: The address the site's in-process API calls come from (its own rate-limit bucket).
SITE_CLIENT = ("127.0.0.2", 0)
OFFERS = (frontdoor.JSON, frontdoor.HTML)


def embedded_site(settings: GatewaySettings, edge: GatewayEdge) -> Any:
    """The site's ASGI app, reading the API through ``edge`` in-process."""
    web_settings = load_settings(
        WebSettings,
        gateway_url="http://gateway.embedded",
        public_base_url=settings.public_base_url,
        environment=settings.environment,
        log_level=settings.log_level,
        log_json=settings.log_json,
    )
    transport = httpx2.ASGITransport(app=edge, client=SITE_CLIENT)
    return create_app(web_settings, transport=transport)


def serves(path: str, accept: str | None) -> bool:
    """Whether the site answers this request (``/`` only for clients that prefer HTML)."""
    if path == "/":
        return frontdoor.negotiate(accept, OFFERS) == frontdoor.HTML
    return is_site_path(path)
