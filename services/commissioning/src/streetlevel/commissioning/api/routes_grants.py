"""Ward micro-grants outside procurement: programmes, applications, grants and 360Giving."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters.grant_repository import GrantRepository
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.adapters.threesixty import grant_360, package
from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas_grants import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    DecisionCreate,
    DecisionList,
    DecisionRead,
    GrantPage,
    GrantRead,
    PaymentBody,
    ProgrammeCreate,
    ProgrammePage,
    ProgrammeRead,
    ReportCreate,
    ThreeSixtyGivingPackage,
)
from streetlevel.commissioning.api.schemas_payables import payable_view
from streetlevel.commissioning.domain.grants import Grant
from streetlevel.commissioning.service import grants as use
from streetlevel.commissioning.service.access import (
    is_grant_payer_or_payee,
    sees_grant_application,
)
from streetlevel.common.auth import Principal
from streetlevel.common.errors import NotFound
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.service import CurrentPrincipal, requires

programmes = APIRouter(prefix="/v1/grant-programmes", tags=["grants"])
applications = APIRouter(prefix="/v1/grant-applications", tags=["grants"])
grants = APIRouter(prefix="/v1/grants", tags=["grants"])


def _grant_view(principal: Principal, g: Grant) -> dict[str, object]:
    payer = is_grant_payer_or_payee(principal, g.council_id, g.recipient_id)
    payables = [payable_view(p, full=payer) for p in g.payables]
    return g.public_view(payer=payer) | {"payables": payables}


@programmes.post(
    "",
    dependencies=[requires("commissioning:write")],
    status_code=201,
    response_model=ProgrammeRead,
    responses=problems(422),
)
async def open_programme(
    body: ProgrammeCreate, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Open a ward grant programme (the council of the token): area, budget, criteria, max."""
    fields = body.model_dump(exclude={"budget", "max_grant"})
    fields |= {"budget": body.budget.amount, "max_grant": body.max_grant.amount}
    p = await use.open_programme(services=services, principal=principal, fields=fields)
    headers = {"Location": f"/v1/grant-programmes/{p.id}"}
    return single(request, p.public_view(), status=201, headers=headers)


@programmes.get("", response_model=ProgrammePage)
async def list_programmes(
    request: Request,
    services: ServicesDep,
    council: str | None = None,
    area: str | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """Grant programmes, open and closed: public."""
    size = check_limit(limit)
    after = (decode_cursor(cursor) or {}).get("id")
    async with services.runtime.sessions() as session:
        found = await GrantRepository(session).programmes(
            council=council, area=area, after=after, limit=size + 1
        )
    page, more = found[:size], len(found) > size
    nxt = encode_cursor({"id": page[-1].id}) if more and page else None
    return json_response(
        {"items": [p.public_view() for p in page], "next_cursor": nxt},
        headers=link_header(public_url(request), nxt),
    )


@programmes.get("/{programme_id}", response_model=ProgrammeRead)
async def get_programme(programme_id: str, request: Request, services: ServicesDep) -> Response:
    """A grant programme with its committed total: public."""
    async with services.runtime.sessions() as session:
        p = await GrantRepository(session).programme(programme_id)
    if p is None:
        raise use.ProgrammeNotFound("No such grant programme.")
    return single(request, p.public_view())


@programmes.post(
    "/{programme_id}/close",
    dependencies=[requires("commissioning:write")],
    response_model=ProgrammeRead,
    responses=problems(409),
)
async def close_programme(
    programme_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Stop taking applications (the programme's council)."""
    p = await use.close_programme(services=services, principal=principal, programme_id=programme_id)
    return single(request, p.public_view())


@programmes.post(
    "/{programme_id}/decisions",
    dependencies=[requires("commissioning:write")],
    status_code=201,
    response_model=DecisionRead,
    responses=problems(409, 422),
)
async def decide(
    programme_id: str, body: DecisionCreate, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Record and publish a decision (panel or residents' vote); awards become grants (409 over
    budget)."""
    decision, made = await use.decide(
        services=services,
        principal=principal,
        programme_id=programme_id,
        method=body.method,
        panel=body.panel,
        turnout=body.turnout,
        results=[r.as_item() for r in body.results],
    )
    return json_response(
        {"decision": decision.public_view(), "grants": [_grant_view(principal, g) for g in made]},
        status=201,
    )


@programmes.get("/{programme_id}/decisions", response_model=DecisionList)
async def list_decisions(programme_id: str, services: ServicesDep) -> Response:
    """A programme's published decisions, with the method and the vote counts: public."""
    async with services.runtime.sessions() as session:
        repo = GrantRepository(session)
        if await repo.programme(programme_id) is None:
            raise use.ProgrammeNotFound("No such grant programme.")
        items = await repo.decisions(programme_id)
    return json_response({"items": items})


@applications.post(
    "",
    dependencies=[requires("commissioning:bid")],
    status_code=201,
    response_model=ApplicationRead,
    responses=problems(409, 422),
)
async def apply(
    body: ApplicationCreate, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Apply with the short form (a verified enterprise of any legal form)."""
    a = await use.apply(
        services=services,
        principal=principal,
        programme_id=body.programme_id,
        amount=body.amount_requested.amount,
        purpose=body.purpose,
        people_reached=body.people_reached,
        contact=body.contact,
    )
    headers = {"Location": f"/v1/grant-applications/{a.id}"}
    return json_response(a.view(), status=201, headers=headers)


@applications.get("", response_model=ApplicationPage)
async def list_applications(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    programme_id: str | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """Applications the caller may see: an enterprise its own, a council its programmes'."""
    size = check_limit(limit)
    after = (decode_cursor(cursor) or {}).get("id")
    if principal.enterprise_id is None and principal.org is None:
        return json_response({"items": [], "next_cursor": None})
    async with services.runtime.sessions() as session:
        found = await GrantRepository(session).applications(
            programme_id=programme_id,
            enterprise_id=principal.enterprise_id,
            council_id=None if principal.enterprise_id else principal.org,
            after=after,
            limit=size + 1,
        )
    page, more = found[:size], len(found) > size
    nxt = encode_cursor({"id": page[-1].id}) if more and page else None
    return json_response(
        {"items": [a.view() for a in page], "next_cursor": nxt},
        headers=link_header(public_url(request), nxt),
    )


@applications.get("/{application_id}", response_model=ApplicationRead)
async def get_application(
    application_id: str, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """An application: its applicant and the programme's council only (404 for others)."""
    async with services.runtime.sessions() as session:
        repo = GrantRepository(session)
        a = await repo.application(application_id)
        p = await repo.programme(a.programme_id) if a else None
    if (
        a is None
        or p is None
        or not sees_grant_application(principal, a.enterprise_id, p.council_id)
    ):
        raise NotFound("No such grant application.")
    return json_response(a.view())


@grants.get("", response_model=GrantPage)
async def list_grants(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    programme_id: str | None = None,
    council: str | None = None,
    recipient: str | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """Awarded grants: public open data (payment references for the payer and payee)."""
    size = check_limit(limit)
    after = (decode_cursor(cursor) or {}).get("id")
    async with services.runtime.sessions() as session:
        found = await GrantRepository(session).grants(
            programme_id=programme_id,
            council=council,
            recipient=recipient,
            after=after,
            limit=size + 1,
        )
    page, more = found[:size], len(found) > size
    nxt = encode_cursor({"id": page[-1].id}) if more and page else None
    return json_response(
        {"items": [_grant_view(principal, g) for g in page], "next_cursor": nxt},
        headers=link_header(public_url(request), nxt),
    )


@grants.get("/360giving", response_model=ThreeSixtyGivingPackage)
async def threesixty_giving(services: ServicesDep, council: str | None = None) -> Response:
    """Every awarded grant as a 360Giving Data Standard 1.4 package (no personal data)."""
    async with services.runtime.sessions() as session:
        repo = GrantRepository(session)
        found = await repo.grants(council=council)
        owners = {g.programme_id for g in found}
        progs = {pid: await repo.programme(pid) for pid in owners}
        records = await ReadModelRepository(session).enterprises(
            sorted({g.recipient_id for g in found})
        )
    base = services.settings.public_base_url
    items = [
        grant_360(g, progs.get(g.programme_id), records.get(g.recipient_id), services.areas, base)
        for g in found
    ]
    newest = max((g.updated_at for g in found if g.updated_at), default=None)
    return json_response(package(items, base_url=base, publisher="Street Level", modified=newest))


@grants.get("/{grant_id}", response_model=GrantRead)
async def get_grant(
    grant_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """A grant agreement with its instalments and end report: public."""
    async with services.runtime.sessions() as session:
        g = await GrantRepository(session).grant(grant_id)
    if g is None:
        raise use.GrantNotFound("No such grant.")
    return single(request, _grant_view(principal, g))


@grants.post(
    "/{grant_id}/instalments/{no}/paid",
    dependencies=[requires("commissioning:write")],
    response_model=GrantRead,
    responses=problems(409, 422),
)
async def mark_paid(
    grant_id: str,
    no: int,
    body: PaymentBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Record an instalment as paid, with the date and the council's reference."""
    g = await use.mark_paid(
        services=services,
        principal=principal,
        grant_id=grant_id,
        no=no,
        paid_on=body.paid_on,
        reference=body.reference,
    )
    return single(request, _grant_view(principal, g))


@grants.post(
    "/{grant_id}/report",
    dependencies=[requires("commissioning:bid")],
    response_model=GrantRead,
    responses=problems(409, 422),
)
async def report(
    grant_id: str,
    body: ReportCreate,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """The recipient's light-touch end report (what happened, people reached, figures)."""
    g = await use.report(
        services=services,
        principal=principal,
        grant_id=grant_id,
        what_happened=body.what_happened,
        people_reached=body.people_reached,
        figures=body.figures,
    )
    return single(request, _grant_view(principal, g))
