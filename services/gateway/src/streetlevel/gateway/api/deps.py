"""Dependencies of the gateway's own routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from streetlevel.common.auth import ANONYMOUS, Principal
from streetlevel.common.openapi import declare_security

if TYPE_CHECKING:
    from streetlevel.gateway.wiring import Gateway


async def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def get_principal(request: Request) -> Principal:
    """The caller as verified by the gateway's edge before the request reached a route."""
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    return principal


async def admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    principal.require("admin")
    return principal


declare_security(admin, "admin")


GatewayDep = Annotated["Gateway", Depends(get_gateway)]
Admin = Annotated[Principal, Depends(admin)]
