"""Commissions: create, list, read, patch/amend, publish, cancel; questions and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters import orm, queries
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository, applicant
from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas import (
    AnswerBody,
    CommissionCreate,
    CommissionPage,
    CommissionRead,
    QuestionCreate,
    QuestionList,
    QuestionRead,
    ReasonBody,
)
from streetlevel.commissioning.domain.commission import Commission, iso
from streetlevel.commissioning.domain.eligibility import unmet_rules
from streetlevel.commissioning.domain.errors import CommissionNotFound
from streetlevel.commissioning.domain.values import CommissionSpec
from streetlevel.commissioning.service import bidding, commissions
from streetlevel.commissioning.service.access import sees_commission
from streetlevel.commissioning.service.commissions import etag
from streetlevel.common.errors import ValidationProblem
from streetlevel.common.openapi import merge_patch_body, problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.service import CurrentPrincipal, requires
from streetlevel.common.themes import check_themes

router = APIRouter(prefix="/v1/commissions", tags=["commissions"])


def _one(request: Request, c: Commission, *, status: int = 200) -> Response:
    headers = {"Location": f"/v1/commissions/{c.id}"} if status == 201 else None
    return single(request, c.public_view(), status=status, headers=headers, etag=etag(c))


@router.post(
    "",
    dependencies=[requires("commissioning:write")],
    status_code=201,
    response_model=CommissionRead,
)
async def create_commission(
    body: CommissionCreate, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Create a draft commission (the buyer is the council of the token)."""
    spec_data = body.model_dump(exclude={"buyer_name"})
    c = await commissions.create_commission(
        services=services,
        principal=principal,
        spec=CommissionSpec.model_validate(spec_data),
        buyer_name=body.buyer_name,
    )
    return _one(request, c, status=201)


@router.get("", response_model=CommissionPage)
async def list_commissions(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    status: str | None = None,
    buyer: str | None = None,
    area: str | None = None,
    theme: str | None = None,
    procedure: str | None = None,
    closing_after: datetime | None = None,
    eligible_for: str | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """Published commissions (a council also sees its own drafts)."""
    size = check_limit(limit)
    position = decode_cursor(cursor)
    if closing_after is not None and closing_after.tzinfo is None:
        raise ValidationProblem(
            "closing_after needs a time zone.",
            [
                {
                    "loc": ["query", "closing_after"],
                    "msg": "timezone required",
                    "type": "value_error",
                }
            ],
        )
    related = services.areas.related(area) if area else None
    async with services.runtime.sessions() as session:
        if theme is not None:
            await check_themes(session, orm.themes, [theme], ["query", "theme"])
        record = (
            await ReadModelRepository(session).enterprise(eligible_for) if eligible_for else None
        )

        def keep(c: Commission) -> bool:
            s = c.s
            if status and c.status != status:
                return False
            if buyer and c.buyer_id != buyer:
                return False
            if procedure and s.procedure != procedure:
                return False
            if theme and theme not in s.themes:
                return False
            if closing_after and s.timeline.tender_end <= closing_after:
                return False
            if related is not None and not any(a in related for lot in s.lots for a in lot.areas):
                return False
            if eligible_for:
                who = applicant(record)
                return c.status == "open" and any(
                    not unmet_rules(who, s.eligibility, lot_areas=lot.areas, areas=services.areas)
                    for lot in s.lots
                )
            return True

        items, nxt = await queries.list_commissions(
            session,
            viewer_org=principal.org,
            after=(position or {}).get("id"),
            limit=size,
            keep=keep,
        )
    next_cursor = encode_cursor({"id": nxt}) if nxt else None
    return json_response(
        {"items": [c.public_view() for c in items], "next_cursor": next_cursor},
        headers=link_header(public_url(request), next_cursor),
    )


async def _visible(services: ServicesDep, commission_id: str, org: str | None) -> Commission:
    async with services.runtime.sessions() as session:
        c = await CommissionRepository(session).get(commission_id)
    if c is None or not sees_commission(org, c):
        raise CommissionNotFound("No such commission.")
    return c


@router.get(
    "/{commission_id}",
    response_model=CommissionRead,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def get_commission(
    commission_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """A commission (a council also sees its own drafts); ETag and If-None-Match."""
    return _one(request, await _visible(services, commission_id, principal.org))


@router.patch(
    "/{commission_id}",
    dependencies=[requires("commissioning:write")],
    response_model=CommissionRead,
    responses=problems(409, 412),
    openapi_extra=merge_patch_body("CommissionCreate"),
)
async def patch_commission(
    commission_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """JSON merge patch (RFC 7396); while open, a recorded amendment of allowed fields."""
    principal.require("commissioning:write")
    try:
        patch: Any = await request.json()
    except ValueError as exc:
        raise ValidationProblem("The body must be a JSON object.") from exc
    if not isinstance(patch, dict):
        raise ValidationProblem("The body must be a JSON object.")
    c = await commissions.patch_commission(
        services=services,
        principal=principal,
        commission_id=commission_id,
        patch=patch,
        if_match=request.headers.get("if-match"),
    )
    return _one(request, c)


@router.post(
    "/{commission_id}/publish",
    dependencies=[requires("commissioning:write")],
    response_model=CommissionRead,
    responses=problems(409, 422),
)
async def publish_commission(
    commission_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Publish a draft: questions and bids are accepted until tender_end."""
    c = await commissions.publish_commission(
        services=services, principal=principal, commission_id=commission_id
    )
    return _one(request, c)


@router.post(
    "/{commission_id}/cancel",
    dependencies=[requires("commissioning:write")],
    response_model=CommissionRead,
    responses=problems(409),
)
async def cancel_commission(
    commission_id: str,
    body: ReasonBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Cancel a commission before award, with a reason."""
    c = await commissions.cancel_commission(
        services=services, principal=principal, commission_id=commission_id, reason=body.reason
    )
    return _one(request, c)


def _question_view(q: dict[str, Any], *, own: bool) -> dict[str, Any]:
    view = {
        "id": q["id"],
        "commission_id": q["commission_id"],
        "question": q["text"],
        "answer": q["answer"],
        "asked_at": iso(q["asked_at"]),
        "answered_at": iso(q["answered_at"]) if q["answered_at"] else None,
    }
    if own:
        view["asked_by_you"] = True
    return view


@router.post(
    "/{commission_id}/questions",
    dependencies=[requires("commissioning:bid")],
    status_code=201,
    response_model=QuestionRead,
    responses=problems(409),
)
async def ask_question(
    commission_id: str,
    body: QuestionCreate,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Ask a question about an open commission (an enterprise, before enquiry_end)."""
    q = await bidding.ask_question(
        services=services, principal=principal, commission_id=commission_id, text=body.text
    )
    return json_response(
        _question_view(q, own=True),
        status=201,
        headers={"Location": f"/v1/commissions/{commission_id}/questions/{q['id']}"},
    )


@router.post(
    "/{commission_id}/questions/{question_id}/answer",
    dependencies=[requires("commissioning:write")],
    response_model=QuestionRead,
    responses=problems(409),
)
async def answer_question(
    commission_id: str,
    question_id: str,
    body: AnswerBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Answer a question (the buyer); answers are public, askers stay anonymous."""
    q = await bidding.answer_question(
        services=services,
        principal=principal,
        commission_id=commission_id,
        question_id=question_id,
        answer=body.answer,
    )
    return json_response(_question_view(q, own=False))


@router.get("/{commission_id}/questions", response_model=QuestionList)
async def list_questions(
    commission_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Questions and answers; askers stay anonymous (a bidder sees which are its own)."""
    c = await _visible(services, commission_id, principal.org)
    async with services.runtime.sessions() as session:
        rows = await queries.questions(session, c.id)
    me = principal.enterprise_id
    items = [_question_view(q, own=me is not None and q["asker_id"] == me) for q in rows]
    return json_response({"items": items, "next_cursor": None})
