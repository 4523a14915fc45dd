"""The gateway's own routes as one FastAPI app (everything else under /v1 is proxied)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from streetlevel.common.problems import install_problem_handlers
from streetlevel.common.service import NO_FASTAPI_TELEMETRY, health_router
from streetlevel.gateway.api import (
    routes_admin,
    routes_contract,
    routes_docs,
    routes_events,
    routes_front,
    routes_oauth,
)

if TYPE_CHECKING:
    from streetlevel.gateway.wiring import Gateway

DESCRIPTION = """The Street Level REST API: the enterprise register, commissioning and outcomes.

Get a token with `POST /oauth/token` (client credentials) and send it as `Authorization:
Bearer …`; open data needs no token. Errors are RFC 9457 problem+json. Every response carries
`RateLimit-*` headers. Events: `GET /v1/events`.
"""


def build_api(gateway: Gateway) -> FastAPI:
    """The local routes, with the gateway in ``app.state`` for their dependencies."""
    api = FastAPI(
        title="Street Level API",
        description=DESCRIPTION,
        version="1.0.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=NO_FASTAPI_TELEMETRY,
    )
    api.state.gateway = gateway
    api.state.public_base_url = gateway.settings.public_base_url
    install_problem_handlers(api)
    for module in (
        routes_oauth,
        routes_admin,
        routes_events,
        routes_docs,
        routes_front,
        routes_contract,
    ):
        api.include_router(module.router)
    api.include_router(health_router(gateway.readiness_checks))
    return api
