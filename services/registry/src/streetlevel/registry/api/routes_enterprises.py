"""``/v1/enterprises``: register, read, search, update, lifecycle, history, check."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header, Query, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Scope, Send

from streetlevel.common.auth import Principal
from streetlevel.common.errors import ValidationProblem
from streetlevel.common.etags import none_match
from streetlevel.common.pagination import check_limit, link_header, public_url
from streetlevel.common.runtime import Runtime
from streetlevel.common.service import CurrentPrincipal, fast_lane, principal_of, requires
from streetlevel.common.themes import UnknownThemes
from streetlevel.common.web import header
from streetlevel.registry.adapters.enterprise_repository import details_from_row
from streetlevel.registry.adapters.read import queries, record
from streetlevel.registry.adapters.read.views import (
    FULL_COLUMNS,
    PUBLIC_COLUMNS,
    full_view,
    public_view,
    timestamp,
)
from streetlevel.registry.api.deps import AreaCacheDep, RuntimeDep, ownership_of
from streetlevel.registry.api.schemas import (
    CheckRead,
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    ReasonCreate,
    RevisionPage,
    VerificationCreate,
)
from streetlevel.registry.domain.check import check
from streetlevel.registry.domain.errors import EnterpriseNotFound
from streetlevel.registry.domain.model import (
    PRIVATE_FIELDS,
    PUBLIC_STATUSES,
    LegalForm,
    Size,
    Status,
)
from streetlevel.registry.domain.themes import THEME_CODES
from streetlevel.registry.service import handlers
from streetlevel.registry.service.access import (
    View,
    history_view,
    is_registrar,
    require_history_caller,
    view_of,
)

router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])
Limit = Annotated[int | None, Query(description="page size, 1–200 (default 50)")]
Cursor = Annotated[str | None, Query(description="opaque cursor from next_cursor")]


def _render(row: Any, view: View) -> dict[str, Any]:
    return full_view(row) if view is View.FULL else public_view(row)


async def _visible_row(
    runtime: RuntimeDep, enterprise_id: uuid.UUID, principal: Principal
) -> tuple[Any, View]:
    async with runtime.engine.connect() as conn:
        row = await queries.get_row(conn, enterprise_id)
    if row is None:
        raise EnterpriseNotFound(f"No enterprise {enterprise_id}.")
    view = view_of(principal, ownership_of(row))
    if view is View.NONE:
        raise EnterpriseNotFound(f"No enterprise {enterprise_id}.")
    return row, view


def _resource(row: Any, view: View, *, status_code: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(
        _render(row, view),
        status_code=status_code,
        headers={"ETag": handlers.etag(row.version, view), **headers},
    )


async def _respond(
    runtime: RuntimeDep, enterprise_id: uuid.UUID, principal: Principal, **kw: Any
) -> JSONResponse:
    row, view = await _visible_row(runtime, enterprise_id, principal)
    return _resource(row, view, **kw)


@router.post(
    "",
    dependencies=[requires("registry:write")],
    status_code=201,
    responses={201: {"model": EnterpriseRead}},
    summary="Register an enterprise (status pending)",
)
async def register(
    body: EnterpriseCreate, request: Request, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Response:
    """Register an enterprise; it starts pending until the registrar verifies it."""
    ent = await handlers.register_enterprise(uow=runtime.uow(), details=body, principal=principal)
    # A path, as every service's Location: the service's own host is not the public one.
    location = str(request.app.url_path_for("get_enterprise", enterprise_id=str(ent.id)))
    return await _respond(runtime, ent.id, principal, status_code=201, Location=location)


@router.get("", response_model=EnterprisePage, summary="Search the public register")
async def list_enterprises(
    request: Request,
    runtime: RuntimeDep,
    areas: AreaCacheDep,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=200)] = None,
    legal_form: LegalForm | None = None,
    status: Status | None = None,
    area: Annotated[str | None, Query(max_length=9)] = None,
    theme: Annotated[str | None, Query(max_length=60)] = None,
    size: Size | None = None,
    accreditation: Annotated[str | None, Query(max_length=200)] = None,
    updated_since: datetime | None = None,
    sort: queries.Sort | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Search the public register (a registrar also sees pending ones)."""
    page_size = check_limit(limit)
    if theme is not None and theme not in THEME_CODES:
        raise UnknownThemes([theme], THEME_CODES, ["query", "theme"])
    if sort == "relevance" and not (q and q.strip()):
        raise ValidationProblem(
            "sort=relevance needs q.",
            [{"loc": ["query", "sort"], "msg": "relevance needs q", "type": "value_error"}],
        )
    statuses = {s.value for s in Status} if is_registrar(principal) else set(PUBLIC_STATUSES)
    view = View.FULL if is_registrar(principal) else View.PUBLIC
    # Public pages on PostgreSQL come rendered by the database, as single public reads do.
    rendered = view is View.PUBLIC and runtime.engine.dialect.name == "postgresql"
    async with runtime.engine.connect() as conn:
        codes = None
        if area:
            index = await areas.get(conn)
            codes = index.related(area)
        search = queries.Search(
            statuses=statuses,
            q=q,
            legal_form=legal_form.value if legal_form else None,
            status=status.value if status else None,
            area_codes=codes,
            theme=theme,
            size=size,
            accreditation=accreditation,
            updated_since=updated_since,
            sort=sort or ("relevance" if q and q.strip() else "name"),
        )
        rows, next_cursor = await queries.search(
            conn,
            search,
            limit=page_size,
            cursor=cursor,
            columns=FULL_COLUMNS if view is View.FULL else PUBLIC_COLUMNS,
            rendered=rendered,
        )
    if rendered:
        items = b",".join(r.body for r in rows)
        body = b'{"items":[' + items + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"
    else:
        # Serialised once, by orjson: the bytes JSONResponse would send.
        body = orjson.dumps({"items": [_render(r, view) for r in rows], "next_cursor": next_cursor})
    return Response(
        body, media_type="application/json", headers=link_header(public_url(request), next_cursor)
    )


def _view(row: Any, principal: Principal) -> View:
    return view_of(principal, ownership_of(row))


async def _readable(
    runtime: Runtime, enterprise_id: uuid.UUID, principal: Principal, *, ping: bool = True
) -> tuple[str, bytes] | None:
    """The ETag and JSON of what ``principal`` may read of the enterprise, or None."""
    found = await record.readable(
        runtime.engine, enterprise_id, lambda row: _view(row, principal).value, ping=ping
    )
    if found is None:
        return None
    version, view, body = found
    return handlers.etag(version, View(view)), body


def _representation(tag: str, body: bytes, if_none_match: str | None) -> Response:
    if none_match(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


async def _get_enterprise_lane(
    runtime: Runtime, scope: Scope, params: dict[str, str], send: Send
) -> bool:
    """The route's 200 and 304 without FastAPI's dependency resolution; the rest goes to it."""
    enterprise_id = record.canonical_uuid(params["enterprise_id"])
    if enterprise_id is None:
        return False
    try:
        principal = await principal_of(runtime, header(scope, b"authorization"))
        # From the read pool (one round trip, nobody pings): a connection broken by a database
        # restart fails here and is dropped, and the route, whose checkout pings, answers.
        found = await _readable(runtime, enterprise_id, principal, ping=False)
    except Exception:  # the route answers every failure with its own problem response
        return False
    if found is None:
        return False
    response = _representation(*found, header(scope, b"if-none-match"))
    await response(scope, _no_body, send)
    return True


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


@router.get(
    "/{enterprise_id}",
    name="get_enterprise",
    responses={200: {"model": EnterpriseRead}, 304: {"description": "Not modified"}},
)
@fast_lane(_get_enterprise_lane)
async def get_enterprise(
    enterprise_id: uuid.UUID,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """An enterprise; private fields for itself and the registrar; ETag."""
    found = await _readable(runtime, enterprise_id, principal)
    if found is None:
        raise EnterpriseNotFound(f"No enterprise {enterprise_id}.")
    return _representation(*found, if_none_match)


@router.patch(
    "/{enterprise_id}",
    # The enterprise itself (registry:write) or the registrar (registry:verify).
    dependencies=[requires("registry:write", "registry:verify")],
    responses={200: {"model": EnterpriseRead}},
    summary="Update with a JSON merge patch (RFC 7396); honours If-Match",
)
async def update(
    enterprise_id: uuid.UUID,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Change an enterprise (itself or the registrar); status cannot be patched."""
    await handlers.update_enterprise(
        uow=runtime.uow(),
        enterprise_id=enterprise_id,
        patch=patch,
        if_match=if_match,
        principal=principal,
    )
    return await _respond(runtime, enterprise_id, principal)


async def _change(
    runtime: RuntimeDep,
    principal: Principal,
    enterprise_id: uuid.UUID,
    action: handlers.Action,
    text: str | None,
) -> Response:
    await handlers.change_status(
        uow=runtime.uow(),
        enterprise_id=enterprise_id,
        action=action,
        text=text,
        principal=principal,
    )
    return await _respond(runtime, enterprise_id, principal)


@router.post(
    "/{enterprise_id}/verification",
    dependencies=[requires("registry:verify")],
    responses={200: {"model": EnterpriseRead}},
)
async def verification(
    enterprise_id: uuid.UUID,
    body: VerificationCreate,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> Response:
    """The registrar's decision: verified or rejected, with a note."""
    return await _change(runtime, principal, enterprise_id, body.decision, body.note)


@router.post(
    "/{enterprise_id}/suspension",
    dependencies=[requires("registry:verify")],
    responses={200: {"model": EnterpriseRead}},
)
async def suspension(
    enterprise_id: uuid.UUID, body: ReasonCreate, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Response:
    """Suspend a verified enterprise, with a reason (the registrar)."""
    return await _change(runtime, principal, enterprise_id, "suspended", body.reason)


@router.post(
    "/{enterprise_id}/reinstatement",
    dependencies=[requires("registry:verify")],
    responses={200: {"model": EnterpriseRead}},
)
async def reinstatement(
    enterprise_id: uuid.UUID, body: ReasonCreate, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Response:
    """Reinstate a suspended enterprise, with a reason (the registrar)."""
    return await _change(runtime, principal, enterprise_id, "reinstated", body.reason)


@router.post(
    "/{enterprise_id}/dissolution",
    dependencies=[requires("registry:verify")],
    responses={200: {"model": EnterpriseRead}},
)
async def dissolution(
    enterprise_id: uuid.UUID, body: ReasonCreate, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Response:
    """Record that an enterprise has dissolved, with a reason (the registrar)."""
    return await _change(runtime, principal, enterprise_id, "dissolved", body.reason)


def _public_op(op: dict[str, Any]) -> bool:
    head = op["path"].split("/")[1] if op["path"].count("/") else ""
    return head not in PRIVATE_FIELDS


@router.get("/{enterprise_id}/history", dependencies=[requires()], response_model=RevisionPage)
async def history(
    enterprise_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Every change: who, when, what (JSON Patch); for itself, its council, the registrar."""
    page_size = check_limit(limit)
    require_history_caller(principal)
    row, _ = await _visible_row(runtime, enterprise_id, principal)
    view = history_view(principal, ownership_of(row))
    async with runtime.engine.connect() as conn:
        rows, next_cursor = await queries.history(
            conn, enterprise_id, limit=page_size, cursor=cursor
        )
    items = [
        {
            "version": r.version,
            "action": r.action,
            "actor": r.actor,
            "client_id": r.client_id,
            "at": timestamp(r.at),
            "patch": r.patch if view is View.FULL else [op for op in r.patch if _public_op(op)],
            "request_id": r.request_id,
        }
        for r in rows
    ]
    return JSONResponse(
        {"items": items, "next_cursor": next_cursor},
        headers=link_header(public_url(request), next_cursor),
    )


@router.get("/{enterprise_id}/social-enterprise-check", response_model=CheckRead)
async def social_enterprise_check(
    enterprise_id: uuid.UUID, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Response:
    """Each social-enterprise criterion as met, not met or unknown, with reasons."""
    row, _ = await _visible_row(runtime, enterprise_id, principal)
    result = check(details_from_row(row))
    return JSONResponse({"enterprise_id": str(row.id), **result.model_dump(mode="json")})
