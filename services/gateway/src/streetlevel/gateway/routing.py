"""The services the gateway routes to: in-process apps handed to it, or URLs (distributed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streetlevel.gateway.settings import GatewaySettings

#: API.md's prefixes of each service behind a distributed gateway (which imports no service;
#: the platform's tests hold this table equal to the services' own descriptors).
ROUTES: dict[str, tuple[str, ...]] = {
    "registry": ("/v1/enterprises", "/v1/areas", "/v1/themes"),
    "commissioning": (
        "/v1/commissions",
        "/v1/contracts",
        "/v1/ocds",
        "/v1/notices",
        "/v1/notice-submissions",
        "/v1/grant-programmes",
        "/v1/grant-applications",
        "/v1/grants",
        "/v1/payables",
        "/v1/payment-performance",
    ),
    "outcomes": ("/v1/indicators", "/v1/plans", "/v1/observations", "/v1/reports"),
    "notifications": ("/v1/webhooks", "/v1/me"),
}


@dataclass
class ServiceSpec:
    """A routed service: an in-process ASGI ``app`` or a base ``url``."""

    name: str
    prefixes: tuple[str, ...]
    app: Any = None
    url: str | None = None
    database_url: str | None = None
    upgrade: Callable[[str], None] | None = None


def remote_services(settings: GatewaySettings) -> list[ServiceSpec]:
    """Every service at its configured URL (distributed mode)."""
    return [
        ServiceSpec(name=name, prefixes=prefixes, url=settings.service_url(name))
        for name, prefixes in ROUTES.items()
    ]
