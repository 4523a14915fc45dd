"""Use cases of contracts: lifecycle actions and the outcome payment ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import queries
from streetlevel.commissioning.adapters.clock import db_now
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.adapters.payable_repository import PayableRepository
from streetlevel.commissioning.adapters.payloads import ObservationEventData
from streetlevel.commissioning.adapters.read_model_repository import ReadModelRepository
from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.contract import Contract, VerifiedObservation
from streetlevel.commissioning.domain.errors import ContractNotFound
from streetlevel.commissioning.domain.values import PaymentLine
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.payables import (
    for_ledger_line,
    may_reverse,
    raise_instalments,
)
from streetlevel.commissioning.service.procurement_award import contract_entered_into
from streetlevel.commissioning.service.releases import record_release
from streetlevel.common.auth import Principal
from streetlevel.common.errors import Forbidden
from streetlevel.common.events import Envelope
from streetlevel.common.uow import UnitOfWork


async def _release(services: Services, session: AsyncSession, contract: Contract, tag: str) -> None:
    # Dated on the clock that judged the change (the database's on PostgreSQL), so a release
    # is never dated before the period close it reports.
    now = await db_now(session, services.clock)
    await record_release(
        session,
        commission=await _commission(session, contract),
        tag=tag,
        now=now,
        base_url=services.settings.public_base_url,
    )


async def change_contract(
    *,
    services: Services,
    principal: Principal,
    contract_id: str,
    action: str,
    reason: str | None = None,
) -> Contract:
    """activate | terminate | complete, by the buyer."""
    principal.require("commissioning:write")
    async with services.uow() as uow:
        repo = ContractRepository(uow.session)
        contract = await repo.get(contract_id, lock=True)
        if contract is None:
            raise ContractNotFound("No such contract.")
        if contract.buyer_id != principal.org:
            raise Forbidden("Only the buyer council may change this contract.")
        # The database clock on PostgreSQL: a contract is never active before its start.
        now = await db_now(uow.session, uow.clock)
        changed = True
        entered = None
        if action == "activate":
            changed = contract.activate(now=now)
            # Activation is the contract being entered into: the UK7 follows (s.53, s.87(3)).
            entered = await contract_entered_into(uow.session, contract, now=now)
            await raise_instalments(uow, contract, now=now)
        elif action == "terminate":
            contract.terminate(reason=reason or "", now=now)
        else:
            contract.complete(now=now)
        await repo.save(contract)
        finished = None
        if changed:  # a deferred activation changes nothing public until the start
            finished = await _finish_commission(uow.session, contract, now=now)
            await _release(services, uow.session, contract, "contractUpdate")
        uow.track(contract, *(c for c in (finished, entered) if c is not None))
        await uow.commit()
    return contract


async def start_contract(
    *, services: Services, session: AsyncSession, contract_id: str, now: datetime
) -> Contract | None:
    """The scheduler's activation of a contract whose start has come (no commit)."""
    repo = ContractRepository(session)
    contract = await repo.get(contract_id, lock=True)
    if contract is None or contract.status != "pending" or contract.activate_at is None:
        return None
    if not contract.activate(now=now):
        return None
    await repo.save(contract)
    await record_release(
        session,
        commission=await _commission(session, contract),
        tag="contractUpdate",
        now=now,
        base_url=services.settings.public_base_url,
    )
    return contract


async def _commission(session: AsyncSession, contract: Contract) -> Commission:
    commission = await CommissionRepository(session).get(contract.commission_id)
    assert commission is not None
    return commission


async def _finish_commission(
    session: AsyncSession, contract: Contract, *, now: datetime
) -> Commission | None:
    """An awarded commission is complete once every contract has ended: the one completed."""
    repo = CommissionRepository(session)
    commission = await repo.get(contract.commission_id, lock=True)
    if commission is None or commission.status != "awarded":
        return None
    others = await ContractRepository(session).for_commission(commission.id)
    statuses = [contract.status if c.id == contract.id else c.status for c in others]
    if not all(s in ("complete", "terminated") for s in statuses):
        return None
    commission.complete(now=now)
    await repo.save(commission)
    return commission


async def apply_observation(*, services: Services, uow: UnitOfWork, event: Envelope) -> None:
    """Ledger effect of an observation event (the consumer's unit of work, in the inbox's)."""
    kind = event.short_type
    if not kind.startswith("outcomes.observation."):
        return
    data = ObservationEventData.model_validate(event.data)
    async with uow:
        session = uow.session
        repo = ContractRepository(session)
        # The row lock serialises concurrent lines for one contract across replicas.
        contract = await repo.get(data.contract_id, lock=True)
        if contract is None:
            return
        lines = await repo.lines(contract.id)
        now = await db_now(session, services.clock)
        # The day the buyer decided, by the outcomes service's clock: what the payment clock,
        # the reversal window and an escalation count from, however late the event arrives.
        day = event.time.astimezone(UTC).date()
        if kind == "outcomes.observation.verified.v1":
            line = contract.price(
                VerifiedObservation(
                    observation_id=data.observation_id,
                    indicator_code=data.indicator_code,
                    period_start=data.period.start,
                    period_end=data.period.end,
                    area=data.area,
                    value=Decimal(data.value),
                ),
                lines,
                now=now,
            )
        elif kind == ESCALATED:
            await PayableRepository(session).record_escalation(
                data.observation_id, contract.id, contract.buyer_id, day
            )
            await uow.commit()
            return
        else:
            reversal = _REVERSALS.get(kind)
            target = data.supersedes if kind.endswith(".reported.v1") else data.observation_id
            if reversal is None or target is None:
                return
            # Past the contract's window a verified payment stands: no credit line.
            if not await may_reverse(session, contract, target, today=day):
                return
            line = contract.reverse(target, lines, reason=reversal)
        if line is None:
            return
        if line.kind == "reversal":
            await repo.mark_reversed(contract.id, line.observation_id)
        await repo.add_line(contract.id, line, now)
        await for_ledger_line(uow, contract, line, received=day, now=now)
        await _publish_payments(services, uow, contract, [*lines, line])
        await uow.commit()


#: An outcome report left unverified past its deadline: counted against the buyer.
ESCALATED = "outcomes.observation.escalated.v1"
_REVERSALS = {
    "outcomes.observation.verification_withdrawn.v1": "verification withdrawn",
    "outcomes.observation.superseded.v1": "observation superseded",
    "outcomes.observation.reported.v1": "observation superseded",
}


async def republish_for_indicator(*, services: Services, uow: UnitOfWork, code: str) -> int:
    """Recompute the public payments of contracts paying for ``code`` (its flag changed).

    Runs inside the caller's unit of work (the indicator consumer's, no commit of its own):
    an indicator that becomes sensitive stops showing exact figures before anything else is
    published.
    """
    repo = ContractRepository(uow.session)
    changed = 0
    for contract_id in await queries.contracts_paying_for(uow.session, code):
        contract = await repo.get(contract_id, lock=True)
        if contract is not None:
            lines = await repo.lines(contract_id)
            changed += await _publish_payments(services, uow, contract, lines)
    return changed


async def _publish_payments(
    services: Services, uow: UnitOfWork, contract: Contract, lines: list[PaymentLine]
) -> bool:
    session = uow.session
    sensitive = await ReadModelRepository(session).sensitive_codes(
        {ln.indicator_code for ln in lines}
    )
    changed = contract.publish_payments(lines, sensitive)
    await ContractRepository(session).save(contract)
    if changed:
        # No release when the public sees nothing new: its date would mark a hidden change.
        await _release(services, session, contract, "implementation")
    uow.track(contract)
    return changed
