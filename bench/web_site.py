"""The public site for web_pages, with its JSON access log on (each request's server time).

``streetlevel.web.app:create_app`` does not configure logging itself (the services do it in
``streetlevel.common.service``), so its access lines are never written; this wrapper configures
it from the site's own settings (``WEB_LOG_LEVEL``, ``WEB_LOG_JSON``) and changes nothing else.
"""

from __future__ import annotations

from typing import Any

from streetlevel.common.logging import configure_logging
from streetlevel.common.settings import load_settings
from streetlevel.web.app import create_app as create_site
from streetlevel.web.settings import WebSettings


def create_app() -> Any:
    settings = load_settings(WebSettings)
    configure_logging(level=settings.log_level, json=settings.log_json, service="web")
    return create_site(settings)
