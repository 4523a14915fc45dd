"""Contracts: public summaries, the buyer's lifecycle actions, payments."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters import queries
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas import (
    ContractPage,
    ContractRead,
    PaymentsRead,
    ReasonBody,
)
from streetlevel.commissioning.api.views import contract_view, payments_view
from streetlevel.commissioning.domain.errors import ContractNotFound
from streetlevel.commissioning.service.access import sees_ledger
from streetlevel.commissioning.service.contracts import change_contract
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.service import CurrentPrincipal, requires

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])


@router.get("", response_model=ContractPage)
async def list_contracts(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    commission_id: str | None = None,
    supplier: str | None = None,
    buyer: str | None = None,
    status: str | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """Contract summaries; ``paid_total`` is exact for the buyer and supplier only.

    Everyone else gets the public sum of the period totals of ``/payments`` (sensitive
    indicators disclosure-controlled) and ``paid_total_exact: false``.
    """
    size = check_limit(limit)
    position = decode_cursor(cursor) or {}
    async with services.runtime.sessions() as session:
        items, nxt = await queries.list_contracts(
            session,
            filters={
                "commission_id": commission_id,
                "supplier_id": supplier,
                "buyer_id": buyer,
                "status": status,
            },
            after=position.get("id"),
            limit=size,
        )
    next_cursor = encode_cursor({"id": nxt}) if nxt else None
    return json_response(
        {
            "items": [contract_view(c, exact=sees_ledger(principal, c)) for c in items],
            "next_cursor": next_cursor,
        },
        headers=link_header(public_url(request), next_cursor),
    )


@router.get(
    "/{contract_id}",
    response_model=ContractRead,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def get_contract(
    contract_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """A contract summary; ``paid_total`` is exact for the buyer and supplier only."""
    async with services.runtime.sessions() as session:
        contract = await ContractRepository(session).get(contract_id)
    if contract is None:
        raise ContractNotFound("No such contract.")
    return single(request, contract_view(contract, exact=sees_ledger(principal, contract)))


@router.post(
    "/{contract_id}/activate",
    dependencies=[requires("commissioning:write")],
    response_model=ContractRead,
    responses=problems(409),
)
async def activate(
    contract_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Activate a contract (the buyer)."""
    c = await change_contract(
        services=services, principal=principal, contract_id=contract_id, action="activate"
    )
    return single(request, contract_view(c, exact=True))


@router.post(
    "/{contract_id}/terminate",
    dependencies=[requires("commissioning:write")],
    response_model=ContractRead,
    responses=problems(409),
)
async def terminate(
    contract_id: str,
    body: ReasonBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Terminate a contract early, with a reason (the buyer)."""
    c = await change_contract(
        services=services,
        principal=principal,
        contract_id=contract_id,
        action="terminate",
        reason=body.reason,
    )
    return single(request, contract_view(c, exact=True))


@router.post(
    "/{contract_id}/complete",
    dependencies=[requires("commissioning:write")],
    response_model=ContractRead,
    responses=problems(409),
)
async def complete(
    contract_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Mark a contract complete (the buyer)."""
    c = await change_contract(
        services=services, principal=principal, contract_id=contract_id, action="complete"
    )
    return single(request, contract_view(c, exact=True))


@router.get("/{contract_id}/payments", response_model=PaymentsRead)
async def payments(
    contract_id: str, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Lines for the buyer and the supplier; totals per period for everyone else.

    The buyer and the supplier get one line per verified observation the rate card prices
    (units × price, capped by ``max_units`` and the contract value), running totals, reversal
    lines and exact period totals. Everyone else gets totals per period under disclosure
    control of ``sensitive`` indicators (counts of people): a period's ``amount`` is the exact
    sum for other indicators plus, per sensitive indicator, its units × the rate-card price
    after disclosure control (1–4 units suppressed, secondary suppression against the
    contract-wide figure of ``implementation.metrics``, the rest rounded to the nearest 5:
    ``rounded: true``). When a sensitive part is suppressed, ``amount`` is the non-sensitive
    part alone and ``suppressed: true``. ``total`` is the sum of the published period amounts
    (``suppressed: true`` when any period is), never the exact sum paid. These public figures,
    the ``commissioning.contract.payments_updated.v1`` event and the OCDS release change only
    together and only when a public figure changes, so hidden changes cannot be counted.
    """
    async with services.runtime.sessions() as session:
        repo = ContractRepository(session)
        contract = await repo.get(contract_id)
        if contract is None:
            raise ContractNotFound("No such contract.")
        full = sees_ledger(principal, contract)
        # The public view is the stored snapshot: only the parties need the lines.
        lines = await repo.lines(contract_id) if full else []
    return json_response(payments_view(contract, lines, full=full))
