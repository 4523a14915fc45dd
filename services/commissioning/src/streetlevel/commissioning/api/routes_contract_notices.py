"""Contract modifications (UK10) and terminations (UK11): the buyer's actions, public history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas_notices import (
    ContractChangeBody,
    ContractChangeList,
    ContractChangeRead,
    TerminationBody,
)
from streetlevel.commissioning.domain.errors import ContractNotFound
from streetlevel.commissioning.service import contract_notices
from streetlevel.common.openapi import problems
from streetlevel.common.service import CurrentPrincipal, requires

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "recorded_at": row["recorded_at"].isoformat().replace("+00:00", "Z")}


@router.get("/{contract_id}/changes", response_model=ContractChangeList)
async def list_changes(contract_id: str, services: ServicesDep) -> Response:
    """The contract's modifications and termination, oldest first, with their notices."""
    async with services.runtime.sessions() as session:
        if await ContractRepository(session).get(contract_id) is None:
            raise ContractNotFound("No such contract.")
        rows = await contract_notices.history(session, contract_id)
    return json_response({"items": [_view(r) for r in rows]})


@router.post(
    "/{contract_id}/changes",
    dependencies=[requires("commissioning:write")],
    response_model=ContractChangeRead,
    status_code=201,
    responses=problems(403, 404, 409, 422),
)
async def change(
    contract_id: str,
    body: ContractChangeBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Modify a live contract (the buyer council).

    Below threshold, and for changes within s.75's limits (10 % of value, 15 % for works;
    10 % of the term), the change is recorded with no notice. Beyond them a public or
    convertible contract needs a Schedule 8 ``ground`` (422 otherwise; the 50 % cap of the
    capped grounds is enforced) and a UK10 contract change notice is published.
    """
    row = await contract_notices.modify_contract(
        services,
        principal,
        contract_id,
        description=body.description,
        reason=body.reason,
        value=body.value,
        period_end=body.period_end,
        ground=body.ground,
    )
    return single(request, _view(row), status=201)


@router.post(
    "/{contract_id}/termination",
    dependencies=[requires("commissioning:write")],
    response_model=ContractChangeRead,
    status_code=201,
    responses=problems(403, 404, 409, 422),
)
async def termination(
    contract_id: str,
    body: TerminationBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """End a contract early, or account for one that ended, with its UK11 (the buyer council).

    A live contract is terminated (``commissioning.contract.terminated.v1``). Above threshold
    a UK11 contract termination notice is published (s.80: within 30 days of the end); below
    threshold none is required, and an already ended contract answers 409.
    """
    row = await contract_notices.terminate_contract(
        services, principal, contract_id, reason=body.reason
    )
    return single(request, _view(row), status=201)
