"""``/v1/observations``: the supplier reports, the buyer verifies; only they can read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from streetlevel.common.errors import Forbidden, NotFound, Unauthorized
from streetlevel.common.etags import digest_tag
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.service import CurrentPrincipal, requires
from streetlevel.outcomes.adapters import queries
from streetlevel.outcomes.adapters.observation_repository import (
    ObservationRepository,
    observation_from_row,
)
from streetlevel.outcomes.adapters.plan_repository import PlanRepository
from streetlevel.outcomes.api.deps import ServicesDep, Session
from streetlevel.outcomes.api.schemas import (
    ObservationCreate,
    ObservationPage,
    ObservationRead,
    VerificationCreate,
    WithdrawalCreate,
)
from streetlevel.outcomes.domain.observations import Observation
from streetlevel.outcomes.service import handlers
from streetlevel.outcomes.service.access import contract_or_404, role_of

router = APIRouter(prefix="/v1/observations", tags=["observations"])
STATUSES = "^(reported|verified|rejected|superseded)$"


def observation_json(observation: Observation) -> dict[str, Any]:
    assert observation.period is not None
    return {
        "id": observation.id,
        "plan_id": observation.plan_id,
        "contract_id": observation.contract_id,
        "indicator_code": observation.indicator_code,
        "period": observation.period.model_dump(mode="json"),
        "area": observation.area,
        "value": str(observation.value),
        "evidence": observation.evidence,
        "status": observation.status,
        "current": observation.current,
        "supersedes": observation.supersedes,
        "superseded_by": observation.superseded_by,
        "reported_at": _iso(observation.reported_at),
        "decided_at": _iso(observation.decided_at),
        "decision_note": observation.decision_note,
        "verify_by": _iso(observation.verify_by),
        "escalated": observation.escalated_at is not None,
        "escalated_at": _iso(observation.escalated_at),
        "version": observation.version,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _created(observation: Observation, status: int = 200) -> JSONResponse:
    body = observation_json(observation)
    headers = {"ETag": digest_tag(body)}
    if status == 201:
        headers["Location"] = f"/v1/observations/{observation.id}"
    return JSONResponse(body, status_code=status, headers=headers)


@router.post(
    "",
    dependencies=[requires("outcomes:report")],
    status_code=201,
    response_model=ObservationRead,
    responses=problems(409),
)
async def report_observation(
    body: ObservationCreate, principal: CurrentPrincipal, services: ServicesDep
) -> JSONResponse:
    """The contract's supplier (``outcomes:report``) reports a figure."""
    observation = await handlers.report_observation(
        uow=services.runtime.uow(),
        principal=principal,
        plan_id=body.plan_id,
        indicator_code=body.indicator_code,
        period=body.period,
        area=body.area,
        value=body.value,
        evidence=body.evidence,
        areas=services.areas,
    )
    return _created(observation, 201)


@router.get("", dependencies=[requires()], response_model=ObservationPage, responses=problems(403))
async def list_observations(
    request: Request,
    session: Session,
    principal: CurrentPrincipal,
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    contract_id: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[str | None, Query(pattern=STATUSES)] = None,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    """Observations of the contracts the caller buys or supplies."""
    if principal.is_anonymous:
        raise Unauthorized("Observations are visible to the contract's buyer and supplier only.")
    size = check_limit(limit)
    after = decode_cursor(cursor)
    named = contract_id
    if plan_id is not None:
        plan = await PlanRepository(session).get(plan_id)
        named = plan.contract_id if plan is not None else None
    if named is not None:
        contract = await contract_or_404(session, named)
        if role_of(principal, contract) == "public":
            raise Forbidden("Only the contract's buyer and supplier see its observations.")
    rows = await queries.observations_for(
        session,
        org=principal.org,
        enterprise_id=principal.enterprise_id,
        plan_id=plan_id,
        contract_id=contract_id,
        status=status,
        after=str(after["id"]) if after and "id" in after else None,
        limit=size + 1,
    )
    page, more = rows[:size], len(rows) > size
    next_cursor = encode_cursor({"id": page[-1].id}) if more else None
    return JSONResponse(
        {
            "items": [observation_json(observation_from_row(r)) for r in page],
            "next_cursor": next_cursor,
        },
        headers=link_header(public_url(request), next_cursor),
    )


@router.get(
    "/{observation_id}",
    dependencies=[requires()],
    response_model=ObservationRead,
    responses=problems(403),
)
async def get_observation(
    observation_id: str, session: Session, principal: CurrentPrincipal
) -> JSONResponse:
    """One observation (the contract's buyer and supplier only)."""
    if principal.is_anonymous:
        raise Unauthorized("Observations are visible to the contract's buyer and supplier only.")
    observation = await ObservationRepository(session).get(observation_id)
    if observation is None:
        raise NotFound(f"No observation {observation_id}.")
    contract = await contract_or_404(session, observation.contract_id)
    if role_of(principal, contract) == "public":
        raise Forbidden("Only the contract's buyer and supplier see its observations.")
    return _created(observation)


@router.post(
    "/{observation_id}/verification",
    dependencies=[requires("outcomes:verify")],
    response_model=ObservationRead,
    responses=problems(409),
)
async def verify_observation(
    observation_id: str,
    body: VerificationCreate,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> JSONResponse:
    """The buyer (``outcomes:verify``) verifies or rejects a reported figure."""
    observation = await handlers.decide_observation(
        uow=services.runtime.uow(),
        principal=principal,
        observation_id=observation_id,
        decision=body.decision,
        note=body.note,
    )
    return _created(observation)


@router.post(
    "/{observation_id}/verification-withdrawal",
    dependencies=[requires("outcomes:verify")],
    response_model=ObservationRead,
    responses=problems(409),
)
async def withdraw_verification(
    observation_id: str,
    body: WithdrawalCreate,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> JSONResponse:
    """The buyer takes a verification back."""
    observation = await handlers.withdraw_verification(
        uow=services.runtime.uow(),
        principal=principal,
        observation_id=observation_id,
        reason=body.reason,
    )
    return _created(observation)
