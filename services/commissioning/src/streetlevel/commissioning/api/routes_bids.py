"""Sealed bids, scores, ranking and award of a commission's lots."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.clock import deadline_passed
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas import (
    AwardBody,
    BidCreate,
    BidList,
    BidRead,
    BidUpdate,
    ContractRead,
    RankingRead,
    ScoreBody,
)
from streetlevel.commissioning.api.views import bid_view, contract_view, ranking_view
from streetlevel.commissioning.domain.bid import Bid, rank
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.errors import BidNotFound, CommissionNotFound
from streetlevel.commissioning.service import bidding, evaluation
from streetlevel.commissioning.service.access import bid_access, sees_commission
from streetlevel.commissioning.service.context import Services
from streetlevel.common.auth import Principal
from streetlevel.common.deprecation import Deprecation
from streetlevel.common.errors import Forbidden, NotFound
from streetlevel.common.openapi import problems
from streetlevel.common.service import CurrentPrincipal, requires

router = APIRouter(prefix="/v1/commissions", tags=["bids"])


async def _state(
    services: Services, commission_id: str, principal: Principal
) -> tuple[Commission, bool]:
    """The visible commission and whether its tender is closed (on the database clock)."""
    async with services.runtime.sessions() as session:
        c = await CommissionRepository(session).get(commission_id)
        if c is None or not sees_commission(principal.org, c):
            raise CommissionNotFound("No such commission.")
        closed = c.status not in ("draft", "open") or await deadline_passed(
            session, c.s.timeline.tender_end, services.clock
        )
    return c, closed


async def _names(services: Services, bid: Bid) -> dict[str, str]:
    """The register's names of a bid's lead and members."""
    async with services.runtime.sessions() as session:
        records = await ReadModelRepository(session).enterprises(bid.parties)
    return {k: r.name for k, r in records.items()}


@router.post(
    "/{commission_id}/bids",
    dependencies=[requires("commissioning:bid")],
    status_code=201,
    response_model=BidRead,
    responses=problems(409),
)
async def submit_bid(
    commission_id: str,
    body: BidCreate,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Submit a sealed bid for a lot (eligibility checked; one live bid per lot)."""
    bid = await bidding.submit_bid(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=body.lot_id,
        price=body.price.amount,
        proposal=body.proposal,
        commitments=[c.model_dump(mode="json") for c in body.social_value_commitments],
        consortium=body.consortium.domain() if body.consortium else None,
    )
    return single(
        request,
        bid_view(bid, "bidder", names=await _names(services, bid)),
        status=201,
        headers={"Location": f"/v1/commissions/{commission_id}/bids/{bid.id}"},
    )


@router.get("/{commission_id}/bids", response_model=BidList, responses=problems(403))
async def list_bids(
    commission_id: str, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """The bidder's own bids; all to the buyer after tender_end; winners to everyone after award."""
    c, closed = await _state(services, commission_id, principal)
    if c.is_buyer(principal.org) and not closed:
        raise Forbidden("Bids stay sealed until the tender deadline.")
    async with services.runtime.sessions() as session:
        bids = await BidRepository(session).for_commission(c.id)
        records = await ReadModelRepository(session).enterprises(
            [p for b in bids for p in b.parties]
        )
    names = {k: r.name for k, r in records.items()}
    items = []
    for bid in bids:
        access = bid_access(principal, c, bid, tender_closed=closed)
        if access is not None:
            items.append(bid_view(bid, access, names.get(bid.enterprise_id), names))
    return json_response({"items": items, "next_cursor": None})


@router.get(
    "/{commission_id}/bids/{bid_id}",
    response_model=BidRead,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def get_bid(
    commission_id: str,
    bid_id: str,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """A bid as the caller may see it (bidder; buyer after tender_end; winner public)."""
    c, closed = await _state(services, commission_id, principal)
    async with services.runtime.sessions() as session:
        bid = await BidRepository(session).get(bid_id)
    access = bid_access(principal, c, bid, tender_closed=closed) if bid else None
    if bid is None or bid.commission_id != c.id or access is None:
        raise BidNotFound("No such bid.")
    names = await _names(services, bid)
    return single(request, bid_view(bid, access, names.get(bid.enterprise_id), names))


@router.patch(
    "/{commission_id}/bids/{bid_id}",
    dependencies=[requires("commissioning:bid")],
    response_model=BidRead,
    responses=problems(409),
)
async def revise_bid(
    commission_id: str,
    bid_id: str,
    body: BidUpdate,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Revise the bidder's own live bid before tender_end."""
    bid = await bidding.revise_bid(
        services=services,
        principal=principal,
        commission_id=commission_id,
        bid_id=bid_id,
        price=body.price.amount if body.price else None,
        proposal=body.proposal,
        commitments=(
            None
            if body.social_value_commitments is None
            else [c.model_dump(mode="json") for c in body.social_value_commitments]
        ),
        consortium=body.consortium.domain() if body.consortium else None,
    )
    return single(request, bid_view(bid, "bidder", names=await _names(services, bid)))


@router.post(
    "/{commission_id}/bids/{bid_id}/withdrawal",
    dependencies=[requires("commissioning:bid")],
    response_model=BidRead,
    responses=problems(409),
)
async def withdraw_bid(
    commission_id: str,
    bid_id: str,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Withdraw the bidder's own bid before tender_end."""
    bid = await bidding.withdraw_bid(
        services=services, principal=principal, commission_id=commission_id, bid_id=bid_id
    )
    return single(request, bid_view(bid, "bidder", names=await _names(services, bid)))


@router.post(
    "/{commission_id}/bids/{bid_id}/members/{enterprise_id}/confirmation",
    dependencies=[requires("commissioning:bid")],
    response_model=BidRead,
    responses=problems(409),
)
async def confirm_membership(
    commission_id: str,
    bid_id: str,
    enterprise_id: str,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """A consortium member confirms its part (its own token; before tender_end; idempotent)."""
    bid = await bidding.confirm_membership(
        services=services,
        principal=principal,
        commission_id=commission_id,
        bid_id=bid_id,
        enterprise_id=enterprise_id,
    )
    return single(request, bid_view(bid, "member", names=await _names(services, bid)))


# Superseded by the lot's evaluation panel (issue 19); it is refused wherever a panel evaluates
# or the Act requires one, so it cannot bypass the panel.
SCORE_DEPRECATION = Deprecation(
    since=datetime(2026, 12, 6, tzinfo=UTC),
    sunset=datetime(2027, 7, 1, tzinfo=UTC),
    link="https://streetlevel.org/docs/procurement#panels-conflicts-and-moderation",
)


@SCORE_DEPRECATION.route(
    router,
    "/{commission_id}/bids/{bid_id}/score",
    methods=["PUT"],
    dependencies=[requires("commissioning:evaluate")],
    response_model=BidRead,
    responses=problems(409),
)
async def score_bid(
    commission_id: str,
    bid_id: str,
    body: ScoreBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Deprecated: score a bid (0–100); refused where the lot has or needs a panel."""
    bid = await evaluation.score_bid(
        services=services,
        principal=principal,
        commission_id=commission_id,
        bid_id=bid_id,
        quality=body.quality,
        social_value=body.social_value,
        note=body.note,
    )
    return single(request, bid_view(bid, "buyer"))


@router.get(
    "/{commission_id}/lots/{lot_id}/ranking", response_model=RankingRead, responses=problems(403)
)
async def ranking(
    commission_id: str, lot_id: str, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """The buyer's ranking during evaluation; public once the lot is decided."""
    c, _closed = await _state(services, commission_id, principal)
    if c.s.lot(lot_id) is None:
        raise NotFound("No such lot.")
    buyer = c.is_buyer(principal.org) and principal.has("commissioning:evaluate")
    decided = c.lot_states.get(lot_id, {}).get("status") in ("awarded", "unsuccessful")
    if not decided and not (buyer and c.status != "open" and c.status != "draft"):
        raise Forbidden("The ranking is published after award.")
    async with services.runtime.sessions() as session:
        bids = await BidRepository(session).for_commission(c.id, lot_id)
    return json_response(ranking_view(rank(c.s, bids), buyer=buyer, commission=c, lot_id=lot_id))


@router.post(
    "/{commission_id}/lots/{lot_id}/award",
    dependencies=[requires("commissioning:evaluate")],
    status_code=201,
    response_model=ContractRead,
    responses=problems(409),
)
async def award(
    commission_id: str,
    lot_id: str,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: AwardBody | None = None,
) -> Response:
    """Award the lot (default: the top-ranked bid) and return the contract it created."""
    contract = await evaluation.award_lot(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        bid_id=body.bid_id if body else None,
        reason=(body.reason or "") if body else "",
    )
    return single(
        request,
        contract_view(contract, exact=True),
        status=201,
        headers={"Location": f"/v1/contracts/{contract.id}"},
    )
