"""Client and council management for ``admin`` callers."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from streetlevel.common.openapi import problems
from streetlevel.common.pagination import check_limit, decode_cursor, encode_cursor, link_header
from streetlevel.gateway.api.deps import Admin, GatewayDep
from streetlevel.gateway.api.schemas import (
    ClientCreate,
    ClientPage,
    ClientRead,
    ClientWithSecret,
    CouncilCreate,
    CouncilRead,
)

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/clients", status_code=201, response_model=ClientWithSecret)
async def create_client(
    body: ClientCreate, request: Request, gateway: GatewayDep, _admin: Admin
) -> JSONResponse:
    """Create an API client; its secret is shown once, in this response."""
    client, secret = await gateway.clients.create(
        kind=body.kind,
        name=body.name,
        scopes=body.scopes,
        org=body.org,
        enterprise_id=body.enterprise_id,
        rate_limit=body.rate_limit,
    )
    gateway.limiter.forget_quotas()
    payload = ClientWithSecret(**client.public(), client_secret=secret)
    return JSONResponse(
        payload.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/v1/admin/clients/{client.id}", "Cache-Control": "no-store"},
    )


@router.get("/clients", response_model=ClientPage)
async def list_clients(
    request: Request,
    gateway: GatewayDep,
    _admin: Admin,
    limit: int | None = Query(default=None),
    cursor: str | None = Query(default=None),
) -> JSONResponse:
    """Every API client, newest first, paged by cursor."""
    size = check_limit(limit)
    after = (decode_cursor(cursor) or {}).get("id")
    clients = await gateway.clients.list(after=after, limit=size + 1)
    next_cursor = encode_cursor({"id": clients[size - 1].id}) if len(clients) > size else None
    page = ClientPage(
        items=[ClientRead(**c.public()) for c in clients[:size]], next_cursor=next_cursor
    )
    return JSONResponse(
        page.model_dump(mode="json"), headers=link_header(str(request.url), next_cursor)
    )


@router.get("/clients/{client_id}", response_model=ClientRead)
async def get_client(client_id: str, gateway: GatewayDep, _admin: Admin) -> ClientRead:
    """One API client (never its secret)."""
    return ClientRead(**(await gateway.clients.get(client_id)).public())


@router.delete("/clients/{client_id}", status_code=204)
async def revoke_client(client_id: str, gateway: GatewayDep, _admin: Admin) -> Response:
    """Revoke a client: it gets no new token (issued tokens expire within minutes)."""
    await gateway.clients.revoke(client_id)
    return Response(status_code=204)


@router.post("/clients/{client_id}/secret", response_model=ClientWithSecret)
async def rotate_secret(client_id: str, gateway: GatewayDep, _admin: Admin) -> JSONResponse:
    """Issue a new secret for a client (shown once); the old one stops working."""
    client, secret = await gateway.clients.rotate_secret(client_id)
    payload = ClientWithSecret(**client.public(), client_secret=secret)
    return JSONResponse(payload.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


@router.post("/councils", status_code=201, response_model=CouncilRead, responses=problems(409))
async def add_council(body: CouncilCreate, gateway: GatewayDep, _admin: Admin) -> CouncilRead:
    """Add a council (org-id and the GSS code of its area); 409 if it exists."""
    return CouncilRead(
        **await gateway.clients.add_council(org_id=body.org_id, name=body.name, area=body.area)
    )


@router.get("/councils", response_model=list[CouncilRead])
async def list_councils(gateway: GatewayDep, _admin: Admin) -> list[CouncilRead]:
    """Every council the platform knows, with its org-id and area."""
    return [CouncilRead(**c) for c in await gateway.clients.councils()]
