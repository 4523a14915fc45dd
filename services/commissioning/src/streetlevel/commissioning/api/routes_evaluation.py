"""A lot's evaluation panel: members, declarations, scores, moderation; assessment summaries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from streetlevel.commissioning.api.deps import ServicesDep, json_response
from streetlevel.commissioning.service import procurement_panel as panel
from streetlevel.common.openapi import problems
from streetlevel.common.service import CurrentPrincipal, requires

router = APIRouter(prefix="/v1/commissions", tags=["bids"])
LOT = "/{commission_id}/lots/{lot_id}/panel"
EVALUATE = [requires("commissioning:evaluate")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Member(_Body):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    role: Literal["chair", "evaluator", "moderator", "adviser"]


class PanelBody(_Body):
    members: list[Member] = Field(min_length=1, max_length=20)


class DeclarationBody(_Body):
    member_id: str = Field(min_length=1, max_length=100)
    bidder_id: str = Field(min_length=1, max_length=36)
    conflicted: bool
    details: str = Field(default="", max_length=5000)


class PanelScoreBody(_Body):
    member_id: str = Field(min_length=1, max_length=100)
    bidder_id: str = Field(min_length=1, max_length=36)
    criterion: str = Field(min_length=1, max_length=50)
    score: Decimal = Field(ge=0, le=100)
    reason: str = Field(min_length=1, max_length=5000)


class ModeratedBody(_Body):
    moderator_id: str = Field(min_length=1, max_length=100)
    bidder_id: str = Field(min_length=1, max_length=36)
    criterion: str = Field(min_length=1, max_length=50)
    score: Decimal = Field(ge=0, le=100)
    rationale: str = Field(min_length=1, max_length=5000)


class PanelRead(BaseModel):
    """The buyer's view of a lot's evaluation, with its history."""

    lot_id: str
    bidders: list[str]
    members: list[dict[str, Any]]
    declarations: list[dict[str, Any]]
    content_released_to: list[str]
    scores: list[dict[str, Any]]
    moderation_started_at: str | None
    moderated: list[dict[str, Any]]
    outstanding_scores: int
    awarded_to: str | None
    award_reason: str | None
    conflicts_assessment: list[dict[str, Any]]
    history: list[dict[str, Any]]


class ReleaseRead(BaseModel):
    """The bidders whose content a member now sees (every bidder they declared no conflict on)."""

    member_id: str
    visible_bidders: list[str]


class SummaryRead(BaseModel):
    """A bidder's assessment summary against the winning bid (s.50(3), reg. 31): private."""

    lot_id: str
    bidder_id: str
    successful: bool
    winner_id: str
    total: str
    winner_total: str
    not_awarded_because: str
    criteria: list[dict[str, Any]]


def _view(e: Any) -> Response:
    return json_response(panel.panel_view(e))


@router.put(LOT, dependencies=EVALUATE, response_model=PanelRead, responses=problems(403, 404, 409))
async def set_panel(
    commission_id: str,
    lot_id: str,
    body: PanelBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Name the lot's evaluation panel (members are added; the panel is fixed at moderation)."""
    e = await panel.set_panel(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        members=[(m.id, m.name, m.role) for m in body.members],
    )
    return _view(e)


@router.get(LOT, dependencies=EVALUATE, response_model=PanelRead, responses=problems(403, 404))
async def read_panel(
    commission_id: str, lot_id: str, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """The buyer council's view of the panel, its declarations, scores and history."""
    e = await panel.read_panel(
        services=services, principal=principal, commission_id=commission_id, lot_id=lot_id
    )
    return _view(e)


@router.post(
    f"{LOT}/declarations",
    dependencies=EVALUATE,
    response_model=PanelRead,
    responses=problems(403, 404, 409),
)
async def declare(
    commission_id: str,
    lot_id: str,
    body: DeclarationBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """A member's conflict declaration on one bidder (after the deadline, before any content)."""
    e, _ = await panel.change(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        step=lambda e, now: e.declare(
            body.member_id,
            body.bidder_id,
            conflicted=body.conflicted,
            details=body.details,
            now=now,
        ),
    )
    return _view(e)


@router.post(
    f"{LOT}/members/{{member_id}}/release",
    dependencies=EVALUATE,
    response_model=ReleaseRead,
    responses=problems(403, 404, 409),
)
async def release(
    commission_id: str,
    lot_id: str,
    member_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Open bid content to a member who declared on every bidder; returns the bids they see."""
    _, visible = await panel.change(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        step=lambda e, now: e.release_content(member_id, now=now),
    )
    return json_response({"member_id": member_id, "visible_bidders": list(visible)})


@router.put(
    f"{LOT}/scores",
    dependencies=EVALUATE,
    response_model=PanelRead,
    responses=problems(403, 404, 409),
)
async def score(
    commission_id: str,
    lot_id: str,
    body: PanelScoreBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """A member's independent score for one bid and criterion, with its reason."""
    e, _ = await panel.change(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        step=lambda e, now: e.score(
            body.member_id, body.bidder_id, body.criterion, body.score, reason=body.reason, now=now
        ),
    )
    return _view(e)


@router.post(
    f"{LOT}/moderation",
    dependencies=EVALUATE,
    response_model=PanelRead,
    responses=problems(403, 404, 409),
)
async def start_moderation(
    commission_id: str, lot_id: str, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Start moderation: independent scores become immutable."""
    e, _ = await panel.change(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        step=lambda e, now: e.start_moderation(now=now),
    )
    return _view(e)


@router.put(
    f"{LOT}/moderated",
    dependencies=EVALUATE,
    response_model=PanelRead,
    responses=problems(403, 404, 409),
)
async def moderate(
    commission_id: str,
    lot_id: str,
    body: ModeratedBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """The one moderated score for a bid and criterion, with its rationale."""
    e, _ = await panel.change(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        step=lambda e, now: e.moderate(
            body.moderator_id,
            body.bidder_id,
            body.criterion,
            body.score,
            rationale=body.rationale,
            now=now,
        ),
    )
    return _view(e)


@router.get(
    "/{commission_id}/lots/{lot_id}/summaries/{bidder_id}",
    response_model=SummaryRead,
    responses=problems(403, 404),
)
async def summary(
    commission_id: str,
    lot_id: str,
    bidder_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """A bidder's assessment summary, private to that bidder and the buyer council."""
    body = await panel.read_summary(
        services=services,
        principal=principal,
        commission_id=commission_id,
        lot_id=lot_id,
        bidder_id=bidder_id,
    )
    return json_response(body)
