"""Payables: the parties see them, the buyer pays, disputes and resolves; performance is public."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas import ReasonBody, ReleasePackage
from streetlevel.commissioning.api.schemas_payables import (
    PayableRead,
    PayablesRead,
    PayBody,
    PaymentPerformanceRead,
    ResolutionBody,
    payable_view,
    payables_view,
    performance_view,
)
from streetlevel.commissioning.service.payables import change_payable, contract_payables
from streetlevel.commissioning.service.payment_reports import ocds_package, payment_performance
from streetlevel.common.openapi import problems
from streetlevel.common.service import CurrentPrincipal, requires

router = APIRouter(tags=["payables"])
PERIOD = Query(
    default=None,
    pattern=r"^\d{4}-H[12]$",
    description="A reporting period (s.69(3)): 2026-H1 is April to September 2026, "
    "2026-H2 October 2026 to March 2027; the current one when omitted.",
)


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match)"}
}


@router.get(
    "/v1/contracts/{contract_id}/payables", response_model=PayablesRead, responses=NOT_MODIFIED
)
async def list_payables(
    contract_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """A contract's payables: every one for the buyer and supplier, the schedule for the rest.

    Each amount owed is received (an instalment's date, an outcome's verification), due at
    most 30 days later (the contract's ``payment_terms_days``; Procurement Act 2023, ss.68
    and 88) and ``due``, ``disputed``, ``paid`` or ``late``. Anyone else sees the fixed
    part's instalments only, without payment references or dispute reasons: outcome claims
    are published as the disclosure-controlled period totals of ``/payments``.
    """
    contract, payables, full = await contract_payables(
        services=services, principal=principal, contract_id=contract_id
    )
    return single(request, payables_view(contract, payables, full=full))


@router.post(
    "/v1/payables/{payable_id}/pay",
    dependencies=[requires("commissioning:write")],
    response_model=PayableRead,
    responses=problems(404, 409, 422),
)
async def pay(
    payable_id: str, body: PayBody, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Record the payment of a due or late payable (the buyer council; a grant's council).

    A grant instalment's payable is paid here or through its grant's
    ``/instalments/{no}/paid``: either way once (409 the second time).
    """
    p = await change_payable(
        services=services,
        principal=principal,
        payable_id=payable_id,
        action="pay",
        paid_on=body.paid_on,
        reference=body.reference,
    )
    return json_response(payable_view(p))


@router.post(
    "/v1/payables/{payable_id}/dispute",
    dependencies=[requires("commissioning:write")],
    response_model=PayableRead,
    responses=problems(404, 409),
)
async def dispute(
    payable_id: str, body: ReasonBody, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Dispute a due or late payable, with the reason (the buyer council)."""
    p = await change_payable(
        services=services,
        principal=principal,
        payable_id=payable_id,
        action="dispute",
        reason=body.reason,
    )
    return json_response(payable_view(p))


@router.post(
    "/v1/payables/{payable_id}/resolve",
    dependencies=[requires("commissioning:write")],
    response_model=PayableRead,
    responses=problems(404, 409),
)
async def resolve(
    payable_id: str, body: ResolutionBody, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Settle a dispute: due again under its original due date, or late once that passed."""
    p = await change_payable(
        services=services,
        principal=principal,
        payable_id=payable_id,
        action="resolve",
        reason=body.resolution,
    )
    return json_response(payable_view(p))


@router.get(
    "/v1/payment-performance/{org_id}",
    response_model=PaymentPerformanceRead,
    responses={**NOT_MODIFIED, **problems(422)},
)
async def performance(
    org_id: str, request: Request, services: ServicesDep, period: str | None = PERIOD
) -> Response:
    """A council's payment performance in a half-year (the UK8 figures); open to anyone.

    Invoices paid in the period, how many within 30 days of receipt (and the percentage),
    the average days to pay, the payables whose due date in the period passed unpaid
    (``late``), those disputed in the period, and the outcome reports left unverified past
    their deadline (``escalated_reports``), counted against the council. These are public
    contracts' invoices only; ``grants`` gives the same figures for the council's grant
    instalments, apart (the Transparency Code publishes grants; s.69 does not cover them).
    """
    figures = await payment_performance(services=services, org_id=org_id, period=period)
    return single(request, performance_view(figures))


@router.get(
    "/v1/payment-performance/{org_id}/ocds",
    response_model=ReleasePackage,
    responses={**NOT_MODIFIED, **problems(422)},
)
async def performance_ocds(
    org_id: str, request: Request, services: ServicesDep, period: str | None = PERIOD
) -> Response:
    """The same figures as an OCDS release package: a document with ``noticeType`` ``UK8``."""
    figures = await payment_performance(services=services, org_id=org_id, period=period)
    base = services.settings.public_base_url
    url = f"{base}/v1/payment-performance/{quote(org_id)}?period={figures.period}"
    return single(request, ocds_package(services, figures, url))
