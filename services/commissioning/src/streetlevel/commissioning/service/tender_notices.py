"""Private notices raised by a tender's own use cases: questions, bids, evaluation, eligibility."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.adapters.read_model_repository import applicant
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.eligibility import serves, unmet_rules
from streetlevel.commissioning.domain.evaluation_events import EvaluationCompleted
from streetlevel.commissioning.domain.events import (
    BidsReceived,
    EligibilityLost,
    EligibleCommission,
    LotBidCount,
    QuestionAnswerReceived,
    QuestionAsked,
)
from streetlevel.commissioning.domain.procurement.evaluation import Evaluation
from streetlevel.commissioning.domain.values import CommissionSpec
from streetlevel.common.areas import AreaIndex
from streetlevel.common.events import DomainEvent, PendingEvent
from streetlevel.common.uow import UnitOfWork


def _emit(uow: UnitOfWork, commission: Commission, notice: DomainEvent, to: str) -> None:
    # These notices share their commission's subject and version: the notifications service
    # consumes private topics as notices (once, by id), so none supersedes another.
    uow.emit(
        PendingEvent(
            payload=notice,
            subject=f"commission/{commission.id}",
            key=commission.id,
            sequence=max(commission.version, 1),
            audience=to,
        )
    )


def question_asked(
    uow: UnitOfWork, commission: Commission, question_id: str, text: str, at: datetime
) -> None:
    notice = QuestionAsked(
        commission_id=commission.id, question_id=question_id, question=text, asked_at=at.isoformat()
    )
    _emit(uow, commission, notice, f"org:{commission.buyer_id}")


def question_answered(
    uow: UnitOfWork,
    commission: Commission,
    *,
    question_id: str,
    asker_id: str,
    answer: str,
    at: datetime,
) -> None:
    notice = QuestionAnswerReceived(
        commission_id=commission.id,
        question_id=question_id,
        answer=answer,
        answered_at=at.isoformat(),
    )
    _emit(uow, commission, notice, f"enterprise:{asker_id}")


async def bids_received(uow: UnitOfWork, commission: Commission) -> None:
    """The buyer's running count of live bids per lot (sealed: counts only, never who)."""
    bids = await BidRepository(uow.session).for_commission(commission.id)
    lots = [
        LotBidCount(lot_id=lot.id, bids=sum(1 for b in bids if b.lot_id == lot.id and b.is_live))
        for lot in commission.s.lots
    ]
    notice = BidsReceived(commission_id=commission.id, lots=lots)
    _emit(uow, commission, notice, f"org:{commission.buyer_id}")


def scores_complete(bids: list[Bid]) -> bool:
    """Every live bid of a lot (scored one score per bid, no panel) has both its scores."""
    live = [b for b in bids if b.is_live]
    return bool(live) and all(
        b.quality_score is not None and b.social_value_score is not None for b in live
    )


def moderation_complete(evaluation: Evaluation) -> bool:
    """The panel moderated every bid on every criterion: ranking and summaries are ready."""
    return evaluation.moderation_started_at is not None and all(
        (bidder, c.name) in evaluation.moderated
        for bidder in evaluation.bidders
        for c in evaluation.criteria
    )


def evaluation_completed(
    uow: UnitOfWork,
    commission: Commission,
    *,
    lot_id: str,
    method: Literal["panel", "scores"],
    bids: int,
    at: datetime,
) -> None:
    """Tell the buyer council a lot is ready to award (once: the caller saw it incomplete)."""
    notice = EvaluationCompleted(
        commission_id=commission.id,
        lot_id=lot_id,
        method=method,
        bids=bids,
        completed_at=at.isoformat(),
    )
    _emit(uow, commission, notice, f"org:{commission.buyer_id}")


def eligible_lots(record: EnterpriseRecord, spec: CommissionSpec, areas: AreaIndex) -> list[str]:
    """The lots an enterprise may bid for and whose areas it serves (its wards)."""
    facts = applicant(record)
    if facts is None or facts.status != "verified":
        return []
    return [
        lot.id
        for lot in spec.lots
        if not unmet_rules(facts, spec.eligibility, lot_areas=lot.areas, areas=areas)
        and any(serves(areas, facts.areas_served, area) for area in lot.areas)
        and (not spec.themes or not record.themes or set(spec.themes) & set(record.themes))
    ]


async def eligibility_changed(
    uow: UnitOfWork,
    commission: Commission,
    areas: AreaIndex,
    *,
    before: CommissionSpec | None,
) -> None:
    """Tell each verified enterprise of work it may now bid for, or no longer may."""
    t = orm.enterprises
    rows = await uow.session.execute(select(t.c.record).where(t.c.status == "verified"))
    spec = commission.s
    for (raw,) in rows:
        record = EnterpriseRecord.model_validate(raw)
        now = eligible_lots(record, spec, areas)
        was = eligible_lots(record, before, areas) if before is not None else []
        to = f"enterprise:{record.id}"
        if now and not was:
            notice: DomainEvent = EligibleCommission(
                commission_id=commission.id,
                title=spec.title,
                lot_ids=now,
                tender_end=spec.timeline.tender_end.isoformat(),
            )
            _emit(uow, commission, notice, to)
        elif was and not now:
            _emit(
                uow, commission, EligibilityLost(commission_id=commission.id, title=spec.title), to
            )
