"""``/v1/plans``: buyer and supplier see a plan in full, everyone else its targets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from streetlevel.common.auth import Principal
from streetlevel.common.errors import NotFound, ValidationProblem
from streetlevel.common.etags import expected_version, none_match
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.patch import merge_patch
from streetlevel.common.service import CurrentPrincipal, requires
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.plan_repository import PlanRepository
from streetlevel.outcomes.api.deps import ServicesDep, Session, version_etag
from streetlevel.outcomes.api.patching import validate_patched
from streetlevel.outcomes.api.schemas import PlanPage, PlanRead, PlanUpdate
from streetlevel.outcomes.domain.plans import MeasurementPlan
from streetlevel.outcomes.service import handlers
from streetlevel.outcomes.service.access import Role, contract_or_404, role_of

router = APIRouter(prefix="/v1/plans", tags=["plans"])
EDITABLE = ("indicators", "assumptions")


def plan_json(plan: MeasurementPlan, role: Role) -> dict[str, Any]:
    """The plan as ``role`` may see it: the public sees indicators and targets only."""
    if role == "public":
        return {
            "id": plan.id,
            "contract_id": plan.contract_id,
            "indicators": [
                {"code": i.code, "targets": [t.model_dump(mode="json") for t in i.targets]}
                for i in plan.indicators
            ],
        }
    return {
        "id": plan.id,
        "contract_id": plan.contract_id,
        "indicators": [i.model_dump(mode="json") for i in plan.indicators],
        "assumptions": plan.assumptions.model_dump(mode="json"),
        "version": plan.version,
        "created_at": plan.created_at.isoformat() if plan.created_at else None,
        "updated_at": plan.updated_at.isoformat() if plan.updated_at else None,
    }


async def _viewed(
    session: Session, plan: MeasurementPlan, principal: Principal
) -> tuple[dict[str, Any], str]:
    contract = await contract_or_404(session, plan.contract_id)
    role = role_of(principal, contract)
    return plan_json(plan, role), version_etag(plan.version, role)


@router.get("", response_model=PlanPage)
async def list_plans(
    request: Request,
    session: Session,
    principal: CurrentPrincipal,
    contract_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    """Measurement plans, filtered by contract; the public sees targets only."""
    size = check_limit(limit)
    after = decode_cursor(cursor)
    query = select(orm.plans.c.id).order_by(orm.plans.c.id).limit(size + 1)
    if contract_id is not None:
        query = query.where(orm.plans.c.contract_id == contract_id)
    if after is not None:
        query = query.where(orm.plans.c.id > str(after.get("id", "")))
    ids = list((await session.execute(query)).scalars())
    page, more = ids[:size], len(ids) > size
    repo = PlanRepository(session)
    items = []
    for plan_id in page:
        plan = await repo.get(plan_id)
        assert plan is not None
        items.append((await _viewed(session, plan, principal))[0])
    next_cursor = encode_cursor({"id": page[-1]}) if more else None
    return JSONResponse(
        {"items": items, "next_cursor": next_cursor},
        headers=link_header(public_url(request), next_cursor),
    )


@router.get(
    "/{plan_id}",
    response_model=PlanRead,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def get_plan(
    plan_id: str,
    session: Session,
    principal: CurrentPrincipal,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One measurement plan; the buyer and supplier also see baselines and assumptions."""
    plan = await PlanRepository(session).get(plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    body, etag = await _viewed(session, plan, principal)
    if none_match(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(body, headers={"ETag": etag})


@router.patch(
    "/{plan_id}",
    dependencies=[requires("outcomes:write")],
    response_model=PlanRead,
    responses=problems(409, 412),
)
async def patch_plan(
    plan_id: str,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    principal: CurrentPrincipal,
    services: ServicesDep,
    session: Session,
    if_match: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """JSON merge patch (RFC 7396) of ``indicators`` and ``assumptions``, by the buyer."""
    principal.require("outcomes:write")
    unknown = sorted(set(patch) - set(EDITABLE))
    if unknown:
        raise ValidationProblem(
            "Only indicators and assumptions can be changed.",
            [
                {"loc": ["body", k], "msg": "not editable", "type": "extra_forbidden"}
                for k in unknown
            ],
        )
    current = await PlanRepository(session).get(plan_id)
    if current is None:
        raise NotFound(f"No plan {plan_id}.")
    await session.rollback()
    merged = merge_patch(
        {
            "indicators": [i.model_dump(mode="json") for i in current.indicators],
            "assumptions": current.assumptions.model_dump(mode="json"),
        },
        patch,
    )
    update = validate_patched(PlanUpdate, merged, "plan")
    plan = await handlers.revise_plan(
        uow=services.runtime.uow(),
        principal=principal,
        plan_id=plan_id,
        indicators=update.indicators,
        assumptions=update.assumptions,
        expected_version=expected_version(if_match),
        areas=services.areas,
    )
    return JSONResponse(
        plan_json(plan, "buyer"), headers={"ETag": version_etag(plan.version, "buyer")}
    )
