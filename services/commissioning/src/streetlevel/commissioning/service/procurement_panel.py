"""Use cases of a lot's evaluation panel: members, declarations, scores, moderation (ss.81-83)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.evaluation_repository import Evaluations, to_doc
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.errors import CommissionNotFound, IllegalStatus
from streetlevel.commissioning.domain.procurement.evaluation import (
    Criterion,
    Evaluation,
    PanelMember,
    Role,
)
from streetlevel.commissioning.service import tender_notices
from streetlevel.commissioning.service.access import load_for_buyer, sees_summary
from streetlevel.commissioning.service.context import Services
from streetlevel.common.auth import Principal
from streetlevel.common.errors import Conflict, Forbidden, NotFound

T = TypeVar("T")
EVALUATE = "commissioning:evaluate"
#: Every criterion is scored out of 100, the scale the platform's award criteria already use.
MAX_SCORE = Decimal(100)


def _lot(commission: Commission, lot_id: str) -> None:
    if commission.s.lot(lot_id) is None:
        raise NotFound("No such lot.")


async def live_bidders(session: AsyncSession, commission_id: str, lot_id: str) -> dict[str, str]:
    """Each live bid's enterprise (the bidder the panel declares on) to its bid id."""
    bids = await BidRepository(session).for_commission(commission_id, lot_id)
    return {b.enterprise_id: b.id for b in bids if b.is_live}


async def set_panel(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    lot_id: str,
    members: list[tuple[str, str, Role]],
) -> Evaluation:
    """Name the lot's panel (or add members to it) once the tender deadline has passed."""
    async with services.uow() as uow:
        commission = await load_for_buyer(
            CommissionRepository(uow.session), commission_id, principal, EVALUATE
        )
        _lot(commission, lot_id)
        if commission.status != "evaluation":
            raise IllegalStatus(
                f"A panel evaluates after the deadline, not while {commission.status}."
            )
        repo = Evaluations(uow.session)
        evaluation = await repo.get(commission_id, lot_id)
        new = evaluation is None
        if evaluation is None:
            bidders = await live_bidders(uow.session, commission_id, lot_id)
            if not bidders:
                raise Conflict("The lot has no valid bid to evaluate.")
            evaluation = Evaluation(
                lot_id=lot_id,
                tender_deadline=commission.s.timeline.tender_end,
                criteria=tuple(
                    Criterion(c.name, c.weight, MAX_SCORE) for c in commission.s.award_criteria
                ),
                bidders=tuple(sorted(bidders)),
            )
        now = uow.clock.now()
        for member_id, name, role in members:
            evaluation.add_member(PanelMember(member_id, name, role), now=now)
        await repo.put(commission_id, evaluation, now=now, new=new)
        await uow.commit()
    return evaluation


async def change(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    lot_id: str,
    step: Callable[[Evaluation, datetime], T],
) -> tuple[Evaluation, T]:
    """Apply one panel step (declare, release, score, moderate) and keep it, in one commit."""
    async with services.uow() as uow:
        commission = await load_for_buyer(
            CommissionRepository(uow.session), commission_id, principal, EVALUATE
        )
        _lot(commission, lot_id)
        if commission.status != "evaluation":
            raise IllegalStatus(
                f"The panel works during evaluation, not while {commission.status}."
            )
        repo = Evaluations(uow.session)
        evaluation = await repo.get(commission_id, lot_id)
        if evaluation is None:
            raise NotFound("This lot has no evaluation panel yet.")
        was_complete = tender_notices.moderation_complete(evaluation)
        result = step(evaluation, uow.clock.now())
        await repo.put(commission_id, evaluation, now=uow.clock.now(), new=False)
        if not was_complete and tender_notices.moderation_complete(evaluation):
            tender_notices.evaluation_completed(
                uow,
                commission,
                lot_id=lot_id,
                method="panel",
                bids=len(evaluation.bidders),
                at=uow.clock.now(),
            )
        await uow.commit()
    return evaluation, result


async def read_panel(
    *, services: Services, principal: Principal, commission_id: str, lot_id: str
) -> Evaluation:
    """The buyer's full view of the lot's evaluation (scores, declarations, history)."""
    principal.require(EVALUATE)
    async with services.runtime.sessions() as session:
        commission = await CommissionRepository(session).get(commission_id)
        if commission is None or (
            commission.status == "draft" and not commission.is_buyer(principal.org)
        ):
            raise CommissionNotFound("No such commission.")
        if not commission.is_buyer(principal.org):
            raise Forbidden("Only the buyer council sees its evaluation panel.")
        evaluation = await Evaluations(session).get(commission_id, lot_id)
    if evaluation is None:
        raise NotFound("This lot has no evaluation panel yet.")
    return evaluation


async def read_summary(
    *, services: Services, principal: Principal, commission_id: str, lot_id: str, bidder_id: str
) -> dict[str, Any]:
    """A bidder's assessment summary: only that bidder and the buyer council may read it."""
    async with services.runtime.sessions() as session:
        commission = await CommissionRepository(session).get(commission_id)
        if commission is None or commission.status == "draft":
            raise CommissionNotFound("No such commission.")
        bids = await BidRepository(session).for_commission(commission_id, lot_id)
        members = {m for b in bids if b.enterprise_id == bidder_id for m in b.parties}
        if not sees_summary(principal, commission, bidder_id, members):
            raise Forbidden("An assessment summary is private to its bidder and the council.")
        evaluation = await Evaluations(session).get(commission_id, lot_id)
    if evaluation is None or evaluation.awarded_to is None or bidder_id not in evaluation.bidders:
        raise NotFound("No assessment summary for this bidder yet.")
    return evaluation.assessment_summary(bidder_id)


def panel_view(e: Evaluation) -> dict[str, Any]:
    """What the buyer council sees of a panel: everything, including the history."""
    doc = to_doc(e)
    return {
        "lot_id": e.lot_id,
        "bidders": list(e.bidders),
        "members": [{"id": m.id, "name": m.name, "role": m.role} for m in e.members.values()],
        "declarations": [
            {"member_id": m, "bidder_id": b, "conflicted": c, "details": d, "declared_at": at}
            for m, b, c, d, at in doc["declarations"]
        ],
        "content_released_to": sorted(e.released_to),
        "scores": [
            {"member_id": m, "bidder_id": b, "criterion": c, "score": s, "reason": r}
            for m, b, c, s, r, _ in doc["scores"]
        ],
        "moderation_started_at": doc["moderation_started_at"],
        "moderated": [
            {"bidder_id": b, "criterion": c, "score": s, "rationale": r, "moderator_id": m}
            for b, c, s, r, m, _ in doc["moderated"]
        ],
        "outstanding_scores": len(e.outstanding_scores()),
        "awarded_to": e.awarded_to,
        "award_reason": e.award_reason or None,
        "conflicts_assessment": e.conflicts_assessment(),
        "history": doc["history"],
    }
