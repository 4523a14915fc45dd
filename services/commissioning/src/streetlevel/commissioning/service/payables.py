"""Use cases of payables: raised by the ledger and the schedule, paid or disputed by the buyer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import db_now
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.adapters.grant_repository import GrantRepository
from streetlevel.commissioning.adapters.payable_repository import PayableRepository
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.errors import ContractNotFound, PayableNotFound
from streetlevel.commissioning.domain.payables import Basis, Payable, reversible
from streetlevel.commissioning.domain.schedule import due_date
from streetlevel.commissioning.domain.values import PaymentLine
from streetlevel.commissioning.service.access import sees_ledger
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.grant_payments import pay_grant_payable
from streetlevel.common.auth import Principal
from streetlevel.common.errors import Forbidden
from streetlevel.common.ids import new_id
from streetlevel.common.uow import UnitOfWork

#: Contract states in which scheduled instalments still fall due.
RUNNING = ("active", "complete")


def _new(
    contract: Contract,
    *,
    basis: Basis,
    source: str,
    description: str,
    amount: Decimal,
    received: date,
    now: datetime,
    credits: str | None = None,
) -> Payable:
    payable = Payable(
        id=str(new_id()),
        contract_id=contract.id,
        buyer_id=contract.buyer_id,
        supplier_id=contract.supplier_id,
        basis=basis,
        source=source,
        description=description,
        amount=amount,
        received_on=received,
        due_on=due_date(received, contract.payment_terms_days),
        credits=credits,
        created_at=now,
        updated_at=now,
    )
    payable.raise_()
    return payable


async def raise_instalments(uow: UnitOfWork, contract: Contract, *, now: datetime) -> list[Payable]:
    """Raise every scheduled instalment whose date has come and is not yet raised (no commit)."""
    if contract.status not in RUNNING:
        return []
    repo = PayableRepository(uow.session)
    basis = Basis.FIXED_SHARE if contract.payment_model == "blended" else Basis.INSTALMENT
    raised = []
    for inst in contract.schedule():
        if inst.on > now.date():
            break
        source = f"instalment:{inst.number}"
        if inst.amount <= 0 or await repo.by_source(contract.id, source) is not None:
            continue
        payable = _new(
            contract,
            basis=basis,
            source=source,
            description=f"Instalment {inst.number} of the fixed part, scheduled {inst.on}",
            amount=inst.amount,
            received=inst.on,
            now=now,
        )
        await repo.add(payable)
        uow.track(payable)
        raised.append(payable)
    return raised


async def for_ledger_line(
    uow: UnitOfWork, contract: Contract, line: PaymentLine, *, received: date, now: datetime
) -> Payable | None:
    """The payable a new ledger line implies: an outcome claim, or a credit for a reversal.

    ``received`` is the day of the verification (or reversal) itself, not the day the event
    reached this service: a lagging consumer must not shorten the council's payment clock.
    """
    repo = PayableRepository(uow.session)
    if line.kind == "payment":
        if line.amount <= 0:
            return None
        payable = _new(
            contract,
            basis=Basis.OUTCOME,
            source=f"outcome:{line.observation_id}:{line.line_no}",
            description=f"Verified outcome {line.indicator_code}, "
            f"{line.period_start} to {line.period_end}: {line.units} units",
            amount=line.amount,
            received=received,
            now=now,
        )
    else:
        paid = await outcome_payable(uow.session, contract.id, line.observation_id)
        payable = _new(
            contract,
            basis=Basis.CREDIT,
            source=f"credit:{line.observation_id}:{line.line_no}",
            description=f"Credit: {line.note or 'reversal'}",
            amount=line.amount,
            received=received,
            now=now,
            credits=None if paid is None else paid.id,
        )
    await repo.add(payable)
    uow.track(payable)
    return payable


async def outcome_payable(
    session: AsyncSession, contract_id: str, observation_id: str
) -> Payable | None:
    """The newest outcome payable of an observation, if it has one."""
    t = orm.payables.c
    query = (
        select(orm.payables)
        .where(t.contract_id == contract_id, t.source.like(f"outcome:{observation_id}:%"))
        .order_by(t.created_at.desc())
        .limit(1)
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else PayableRepository.of(row)


async def may_reverse(
    session: AsyncSession, contract: Contract, observation_id: str, *, today: date
) -> bool:
    """A verified payment is reversible only within the contract's window after verification."""
    paid = await outcome_payable(session, contract.id, observation_id)
    return paid is None or reversible(paid.received_on, today, contract.reversal_window_days)


async def change_payable(
    *,
    services: Services,
    principal: Principal,
    payable_id: str,
    action: str,
    reason: str = "",
    paid_on: date | None = None,
    reference: str = "",
) -> Payable:
    """pay | dispute | resolve, by the buyer council (a grant's: the grant's council)."""
    principal.require("commissioning:write")
    async with services.uow() as uow:
        repo = PayableRepository(uow.session)
        payable = await repo.get(payable_id)
        if payable is None:
            raise PayableNotFound("No such payable.")
        if payable.buyer_id != principal.org:
            raise Forbidden("Only the buyer council may pay or dispute this payable.")
        # A grant payable locks its grant first, as the grant's own payment route does.
        grant = None
        if payable.grant_id is not None:
            grant = await GrantRepository(uow.session).grant(payable.grant_id, lock=True)
        payable = await repo.get(payable_id, lock=True)
        assert payable is not None  # payables are never deleted
        now = await db_now(uow.session, uow.clock)
        today = now.date()
        if action == "pay" and grant is not None:
            day = paid_on or today
            await pay_grant_payable(uow, grant, payable, paid_on=day, reference=reference, now=now)
            await uow.commit()
            return payable
        if action == "pay":
            payable.pay(paid_on=paid_on or today, reference=reference, today=today, now=now)
        elif action == "dispute":
            payable.dispute(reason=reason, today=today, now=now)
        else:
            payable.resolve(resolution=reason, today=today, now=now)
        await repo.save(payable)
        uow.track(payable)
        await uow.commit()
    return payable


async def contract_payables(
    *, services: Services, principal: Principal, contract_id: str
) -> tuple[Contract, list[Payable], bool]:
    """A contract's payables, and whether the caller is a party (buyer or supplier)."""
    async with services.runtime.sessions() as session:
        contract = await ContractRepository(session).get(contract_id)
        if contract is None:
            raise ContractNotFound("No such contract.")
        payables = await PayableRepository(session).for_contract(contract_id)
    return contract, payables, sees_ledger(principal, contract)


async def _missing_instalments(session: AsyncSession, today: date) -> list[str]:
    """Running contracts with an instalment due by ``today`` and not yet raised (no locks).

    Read without locks so that a tick with nothing to raise takes no write transaction; the
    raising itself locks the contract and checks again.
    """
    c, p = orm.contracts.c, orm.payables.c
    rows = (await session.execute(select(orm.contracts).where(c.status.in_(RUNNING)))).mappings()
    contracts = [ContractRepository.of(r) for r in rows]
    scheduled = [k for k in contracts if k.payment_model in ("fixed", "blended")]
    if not scheduled:
        return []
    query = (
        select(p.contract_id, func.count())
        .where(p.contract_id.in_([k.id for k in scheduled]), p.source.like("instalment:%"))
        .group_by(p.contract_id)
    )
    raised = {row[0]: row[1] for row in await session.execute(query)}
    return [
        k.id
        for k in scheduled
        if sum(1 for i in k.schedule() if i.on <= today and i.amount > 0) > raised.get(k.id, 0)
    ]


async def run_payable_jobs(services: Services, now: datetime | None = None) -> int:
    """Raise instalments whose date has come and mark overdue payables late (the scheduler)."""
    done = 0
    async with services.runtime.sessions() as session:
        when = now or await db_now(session, services.clock)
        ids = await _missing_instalments(session, when.date())
    for contract_id in ids:
        async with services.uow() as uow:
            contract = await ContractRepository(uow.session).get(contract_id, lock=True)
            if contract is not None:
                done += len(await raise_instalments(uow, contract, now=when))
            await uow.commit()
    while True:
        async with services.uow() as uow:
            repo = PayableRepository(uow.session)
            claimed = await repo.claim_overdue(when.date(), limit=1)
            payable = await repo.get(claimed[0], lock=True) if claimed else None
            if payable is None or not payable.mark_late(today=when.date(), now=when):
                break  # nothing (more) to do: never spin on the same row
            await repo.save(payable)
            uow.track(payable)
            done += 1
            await uow.commit()
    return done
