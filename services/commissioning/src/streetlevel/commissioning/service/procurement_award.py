"""Award by the moderated ranking, standstill in working days (s.51), UK6 and UK7 notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.evaluation_repository import Evaluations
from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.errors import BidNotFound
from streetlevel.commissioning.domain.procurement.commission_routing import kind_of
from streetlevel.commissioning.domain.procurement.errors import EvaluationRuleBroken
from streetlevel.commissioning.domain.procurement.evaluation import MAT
from streetlevel.commissioning.domain.procurement.working_days import Standstill, standstill
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.notice_fields import (
    award_fields,
    contract_fields,
    transparency_fields,
)
from streetlevel.commissioning.service.procurement_notices import publish_notice
from streetlevel.commissioning.service.procurement_rules import calendar_for, routing_of


def standstill_for(services: Services, commission: Commission, *, now: datetime) -> Standstill:
    """8 working days from the award notice above threshold; none below it or for a grant."""
    routing = routing_of(commission)
    return standstill(
        routing,
        award_notice_at=now,
        calendar=calendar_for(services.settings, routing),
        voluntary=commission.s.voluntary_standstill,
    )


def standstill_end(services: Services, commission: Commission, *, now: datetime) -> datetime:
    """When the contract may be entered into (``now`` when no standstill applies)."""
    return standstill_for(services, commission, now=now).ends_at or now


async def panel_choice(
    session: AsyncSession,
    commission: Commission,
    lot_id: str,
    bids: list[Bid],
    *,
    bid_id: str | None,
    reason: str,
    now: datetime,
) -> Bid | None:
    """The bid the moderated ranking awards (None: no panel, and the lot may do without)."""
    repo = Evaluations(session)
    evaluation = await repo.get(commission.id, lot_id)
    if evaluation is None:
        routing = routing_of(commission)
        # ss.19 and 81-83 bind covered procurements; below threshold the panel is optional.
        if routing.covered:
            raise EvaluationRuleBroken(
                "This is a public contract under the Act: award it through the lot's evaluation "
                f"panel and its moderated ranking. {routing.reason}",
                rule="panel_required",
                section=MAT,
            )
        return None
    live = {b.enterprise_id: b for b in bids if b.is_live}
    if bid_id is None:
        target = evaluation.ranking()[0][0]
    else:
        target = next((b.enterprise_id for b in bids if b.id == bid_id), "")
    if target not in live:
        raise BidNotFound("No such valid bid in this lot.")
    evaluation.award(target, reason=reason, now=now)
    await repo.put(commission.id, evaluation, now=now, new=False)
    return live[target]


async def award_notice(
    services: Services, session: AsyncSession, commission: Commission, contract: Contract
) -> None:
    """The UK6 for the lot's award (above threshold), after the summaries were made.

    A direct award's UK5 comes first: its supplier is known only now (s.44, s.50).
    """
    now = contract.created_at
    assert now is not None
    if kind_of(commission.s) == "direct_award":
        await publish_notice(
            session,
            commission,
            "UK5",
            transparency_fields(commission, contract),
            now=now,
            lot_id=contract.lot_id,
            contract_id=contract.id,
        )
    held = standstill_for(services, commission, now=now)
    # The summaries are made with the award, before this notice (s.50(3)).
    fields = award_fields(commission, contract, held, summaries_sent=now)
    evaluation = await Evaluations(session).get(commission.id, contract.lot_id)
    if evaluation is not None and evaluation.award_reason:
        # A departure from the moderated ranking is published with its reason (s.19).
        fields["award_reason"] = evaluation.award_reason
    await publish_notice(
        session,
        commission,
        "UK6",
        fields,
        now=now,
        lot_id=contract.lot_id,
        contract_id=contract.id,
    )


async def contract_entered_into(
    session: AsyncSession, contract: Contract, *, now: datetime
) -> Commission | None:
    """The UK7 once the contract is entered into (after standstill); returns the commission."""
    commission = await CommissionRepository(session).get(contract.commission_id, lock=True)
    if commission is None:
        return None
    evaluation = await Evaluations(session).get(commission.id, contract.lot_id)
    notice = await publish_notice(
        session,
        commission,
        "UK7",
        contract_fields(contract, now=now, conflicts=evaluation is not None),
        now=now,
        lot_id=contract.lot_id,
        contract_id=contract.id,
    )
    if notice is None:
        return None
    await CommissionRepository(session).save(commission)
    return commission


async def refuse_legacy_score(session: AsyncSession, commission: Commission, lot_id: str) -> None:
    """The deprecated one-score-per-bid path is closed where a panel evaluates (or must)."""
    routing = routing_of(commission)
    if routing.covered:
        raise EvaluationRuleBroken(
            "Above-threshold commissions are scored by the lot's evaluation panel, each member "
            "independently, then moderated: use the panel routes.",
            rule="panel_required",
            section=MAT,
        )
    if await Evaluations(session).get(commission.id, lot_id) is not None:
        raise EvaluationRuleBroken(
            "This lot has an evaluation panel: its members score it, then moderate.",
            rule="panel_required",
            section=MAT,
        )
