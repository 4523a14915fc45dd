"""Use cases of evaluation: closing at the deadline, scoring, ranking, award."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.domain.bid import Bid, rank
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.errors import (
    BidNotFound,
    EvaluationIncomplete,
    IllegalStatus,
)
from streetlevel.commissioning.service import tender_notices
from streetlevel.commissioning.service.access import load_for_buyer
from streetlevel.commissioning.service.consortium import consortium_terms, unmet_for
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.procurement_award import (
    award_notice,
    panel_choice,
    refuse_legacy_score,
    standstill_end,
)
from streetlevel.commissioning.service.releases import record_release
from streetlevel.common.auth import Principal
from streetlevel.common.errors import Conflict, Ineligible, NotFound
from streetlevel.common.ids import new_id


async def recheck_eligibility(
    services: Services,
    session: AsyncSession,
    commission: Commission,
    bids: list[Bid],
    *,
    when: str,
    now: datetime,
) -> list[Bid]:
    """Disqualify live bids whose enterprise (or consortium) no longer meets the rules."""
    dropped = []
    for bid in bids:
        if not bid.is_live:
            continue
        unmet = await unmet_for(
            services,
            session,
            commission,
            lot_id=bid.lot_id,
            lead_id=bid.enterprise_id,
            consortium=bid.consortium,
            # After the deadline no member can confirm: an unconfirmed consortium never counts.
            at_deadline=True,
        )
        if unmet:
            reasons = "; ".join(f"{u['rule']}: {u['reason']}" for u in unmet)
            bid.disqualify(reason=f"ineligible {when}: {reasons}", now=now)
            await BidRepository(session).save(bid)
            dropped.append(bid)
    return dropped


async def close_commission(
    *, services: Services, session: AsyncSession, commission_id: str, now: datetime
) -> Commission | None:
    """The deadline passed: re-check eligibility, count bids, start evaluation (caller commits)."""
    commission = await CommissionRepository(session).get(commission_id, lock=True)
    if commission is None or commission.status != "open":
        return None
    bids = await BidRepository(session).for_commission(commission_id)
    await recheck_eligibility(services, session, commission, bids, when="at the deadline", now=now)
    total: dict[str, int] = {}
    valid: dict[str, int] = {}
    for bid in bids:
        if bid.status != "withdrawn":
            total[bid.lot_id] = total.get(bid.lot_id, 0) + 1
        if bid.is_live:
            valid[bid.lot_id] = valid.get(bid.lot_id, 0) + 1
    commission.close(now=now, valid_bids=valid, total_bids=total)
    await CommissionRepository(session).save(commission)
    await record_release(
        session,
        commission=commission,
        tag="tenderUpdate",
        now=now,
        base_url=services.settings.public_base_url,
    )
    return commission


async def score_bid(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    bid_id: str,
    quality: Decimal,
    social_value: Decimal,
    note: str | None,
) -> Bid:
    async with services.uow() as uow:
        commission = await load_for_buyer(
            CommissionRepository(uow.session), commission_id, principal, "commissioning:evaluate"
        )
        if commission.status != "evaluation":
            raise IllegalStatus(
                f"Bids are scored during evaluation, not while {commission.status}."
            )
        bid = await BidRepository(uow.session).get(bid_id)
        if bid is None or bid.commission_id != commission_id:
            raise BidNotFound("No such bid.")
        await refuse_legacy_score(uow.session, commission, bid.lot_id)
        lot_bids = await BidRepository(uow.session).for_commission(commission_id, bid.lot_id)
        was_complete = tender_notices.scores_complete(lot_bids)
        now = uow.clock.now()
        bid.score(quality=quality, social_value=social_value, note=note, now=now)
        await BidRepository(uow.session).save(bid)
        lot_bids = [bid if b.id == bid.id else b for b in lot_bids]
        # A re-score of a complete lot tells nobody again: only the last missing score does.
        if not was_complete and tender_notices.scores_complete(lot_bids):
            tender_notices.evaluation_completed(
                uow,
                commission,
                lot_id=bid.lot_id,
                method="scores",
                bids=sum(1 for b in lot_bids if b.is_live),
                at=now,
            )
        await uow.commit()
    return bid


async def award_lot(
    *,
    services: Services,
    principal: Principal,
    commission_id: str,
    lot_id: str,
    bid_id: str | None,
    reason: str = "",
) -> Contract:
    """Award a lot to the chosen (default: top-ranked) eligible bid and create its contract."""
    refusal: Exception | None = None
    contract: Contract | None = None
    async with services.uow() as uow:
        session = uow.session
        repo = CommissionRepository(session)
        commission = await load_for_buyer(repo, commission_id, principal, "commissioning:evaluate")
        lot = commission.s.lot(lot_id)
        if lot is None:
            raise NotFound("No such lot.")
        if commission.status != "evaluation":
            raise IllegalStatus(
                f"Lots are awarded during evaluation, not while {commission.status}."
            )
        bids = await BidRepository(session).for_commission(commission_id, lot_id)
        now = uow.clock.now()
        dropped = await recheck_eligibility(
            services, session, commission, bids, when="at award", now=now
        )
        # Under the Act the lot's panel decides: its moderated ranking, or a recorded reason.
        by_panel = await panel_choice(
            session, commission, lot_id, bids, bid_id=bid_id, reason=reason, now=now
        )
        ranking = rank(commission.s, bids)
        if by_panel is not None:
            contract = await _contract_for(services, session, commission, by_panel, now=now)
            commission.award_lot(
                lot_id,
                bid_id=by_panel.id,
                supplier_id=by_panel.enterprise_id,
                supplier_name=contract.supplier_name,
                price=by_panel.price,
                contract_id=contract.id,
                now=now,
            )
            await award_notice(services, session, commission, contract)
            uow.track(contract)
        elif not ranking:
            commission.lot_unsuccessful(lot_id, reason="no valid bid at award", now=now)
            refusal = Conflict("No valid bid remains: the lot is unsuccessful.")
        elif any(r.total is None for r in ranking):
            raise EvaluationIncomplete("Score every valid bid before awarding.")
        else:
            chosen = ranking[0].bid
            if bid_id is not None:
                picked = next((r.bid for r in ranking if r.bid.id == bid_id), None)
                if picked is None:
                    gone = next((b for b in dropped if b.id == bid_id), None)
                    if gone is None:
                        raise BidNotFound("No such valid bid in this lot.")
                    refusal = Ineligible(
                        "The chosen bid was disqualified at award.",
                        unmet=[{"rule": "eligibility", "reason": gone.disqualified_reason or ""}],
                    )
                chosen = picked or chosen
            if refusal is None:
                contract = await _contract_for(services, session, commission, chosen, now=now)
                commission.award_lot(
                    lot_id,
                    bid_id=chosen.id,
                    supplier_id=chosen.enterprise_id,
                    supplier_name=contract.supplier_name,
                    price=chosen.price,
                    contract_id=contract.id,
                    now=now,
                )
                uow.track(contract)
        await repo.save(commission)
        tags = ["award", "contract"] if contract is not None else ["tenderUpdate"]
        await record_release(
            session,
            commission=commission,
            tag=tags,
            now=now,
            base_url=services.settings.public_base_url,
        )
        uow.track(commission)
        await uow.commit()
    if refusal is not None:
        raise refusal
    assert contract is not None
    return contract


async def _contract_for(
    services: Services,
    session: AsyncSession,
    commission: Commission,
    bid: Bid,
    *,
    now: datetime,
) -> Contract:
    lot = commission.s.lot(bid.lot_id)
    assert lot is not None
    records = await ReadModelRepository(session).enterprises(bid.parties)
    record = records.get(bid.enterprise_id)
    t = commission.s.timeline
    contract = Contract(
        id=str(new_id()),
        commission_id=commission.id,
        ocid=commission.ocid,
        lot_id=lot.id,
        lot_title=lot.title,
        lot_areas=list(lot.areas),
        lot_outcomes=list(lot.outcomes),
        bid_id=bid.id,
        buyer_id=commission.buyer_id,
        buyer_name=commission.buyer_name,
        supplier_id=bid.enterprise_id,
        supplier_name=record.name if record else bid.enterprise_id,
        consortium=consortium_terms(bid, records),
        value=bid.price,
        rate_card=list(commission.s.payment.rate_card),
        payment_model=commission.s.payment.model,
        outcomes_share_pct=commission.s.payment.outcomes_share_pct,
        instalments=list(commission.s.payment.instalments),
        payment_terms_days=commission.s.payment.payment_terms_days,
        reversal_window_days=commission.s.payment.reversal_window_days,
        verification_days=commission.s.payment.verification_days,
        period_start=t.contract_start,
        period_end=t.contract_end,
        standstill_end=standstill_end(services, commission, now=now),
        created_at=now,
        updated_at=now,
    )
    contract.announce()
    await ContractRepository(session).add(contract)
    return contract
