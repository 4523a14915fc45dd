"""Private notices: the service's own public events become notices to the principal concerned."""

from __future__ import annotations

from streetlevel.commissioning.adapters.bid_repository import BidRepository
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.domain.events import (
    BidOutcome,
    ContractActivation,
    DeadlinePassed,
    LotBidCount,
    PaymentRecorded,
    Period,
)
from streetlevel.common.events import DomainEvent, Envelope, PendingEvent
from streetlevel.common.uow import UnitOfWork

CLOSED = "commissioning.commission.closed.v1"
AWARDED = "commissioning.lot.awarded.v1"
UNSUCCESSFUL = "commissioning.lot.unsuccessful.v1"
ACTIVATED = "commissioning.contract.activated.v1"
PAYMENTS = "commissioning.contract.payments_updated.v1"
#: A withdrawn bid has no outcome: its bidder left the competition.
NO_OUTCOME = {"withdrawn"}


def _emit(uow: UnitOfWork, event: Envelope, payload: DomainEvent, key: str, to: str) -> None:
    uow.emit(
        PendingEvent(
            payload=payload, subject=event.subject, key=key, sequence=event.seq, audience=to
        )
    )


async def notify(*, uow: UnitOfWork, event: Envelope) -> None:
    """One public event → the notices it implies, in the consumer's transaction (once: inbox)."""
    kind = event.short_type
    async with uow:
        if kind == CLOSED:
            await _deadline_passed(uow, event)
        elif kind in (AWARDED, UNSUCCESSFUL):
            await _bid_outcomes(uow, event)
        elif kind == ACTIVATED:
            await _activation(uow, event)
        elif kind == PAYMENTS:
            await _payment(uow, event)
        await uow.commit()


async def _deadline_passed(uow: UnitOfWork, event: Envelope) -> None:
    commission_id = str(event.data["commission_id"])
    commission = await CommissionRepository(uow.session).get(commission_id)
    if commission is None:
        return
    lots = [LotBidCount(**lot) for lot in event.data["lots"]]
    notice = DeadlinePassed(commission_id=commission_id, lots=lots)
    _emit(uow, event, notice, commission_id, f"org:{commission.buyer_id}")


async def _bid_outcomes(uow: UnitOfWork, event: Envelope) -> None:
    commission_id, lot_id = str(event.data["commission_id"]), str(event.data["lot_id"])
    winner = (event.data.get("supplier") or {}).get("enterprise_id")
    for bid in await BidRepository(uow.session).for_commission(commission_id, lot_id):
        if bid.status in NO_OUTCOME:
            continue
        notice = BidOutcome(
            commission_id=commission_id,
            lot_id=lot_id,
            bid_id=bid.id,
            outcome="awarded" if winner and bid.enterprise_id == winner else "unsuccessful",
            quality_score=_text(bid.quality_score),
            social_value_score=_text(bid.social_value_score),
            feedback=bid.score_note,
            disqualified_reason=bid.disqualified_reason,
        )
        # A consortium's members learn their own bid's outcome too (the lead alone is paid).
        for party in bid.parties:
            _emit(uow, event, notice, commission_id, f"enterprise:{party}")


async def _activation(uow: UnitOfWork, event: Envelope) -> None:
    contract = await ContractRepository(uow.session).get(str(event.data["contract_id"]))
    if contract is None:
        return
    notice = ContractActivation(contract_id=contract.id, commission_id=contract.commission_id)
    _emit(uow, event, notice, contract.id, f"enterprise:{contract.supplier_id}")


async def _payment(uow: UnitOfWork, event: Envelope) -> None:
    repo = ContractRepository(uow.session)
    contract = await repo.get(str(event.data["contract_id"]))
    lines = await repo.lines(contract.id) if contract is not None else []
    if contract is None or not lines:
        return
    line = max(lines, key=lambda x: x.line_no)
    notice = PaymentRecorded(
        contract_id=contract.id,
        line_no=line.line_no,
        kind=line.kind,
        observation_id=line.observation_id,
        indicator_code=line.indicator_code,
        period=Period(start=line.period_start, end=line.period_end),
        amount=str(line.amount),
        running_total=str(line.running_total),
    )
    _emit(uow, event, notice, contract.id, f"enterprise:{contract.supplier_id}")


def _text(value: object) -> str | None:
    return None if value is None else str(value)
