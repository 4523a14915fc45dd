"""Contract modifications (UK10, s.74-75) and terminations (UK11, s.80) by the buyer council."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.adapters.clock import db_now
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.errors import ContractNotFound
from streetlevel.commissioning.domain.events import NoticePublished
from streetlevel.commissioning.domain.procurement.contract_changes import (
    contract_change,
    termination_notice_due,
)
from streetlevel.commissioning.domain.procurement.errors import NoticeOutOfOrder
from streetlevel.commissioning.domain.procurement.modifications import (
    check_modification,
)
from streetlevel.commissioning.domain.values import Money
from streetlevel.commissioning.service.access import require_contract_buyer
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import _finish_commission, _release
from streetlevel.commissioning.service.notice_fields import (
    change_fields,
    common_fields,
    money,
    termination_fields,
)
from streetlevel.commissioning.service.procurement_rules import routing_of
from streetlevel.common.auth import Principal
from streetlevel.common.events import PendingEvent
from streetlevel.common.ids import new_id
from streetlevel.common.uow import UnitOfWork

_LIVE = ("pending", "active")


def _months(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return round((end - start).days / Decimal("30.4375"))


async def _load(uow: UnitOfWork, principal: Principal, contract_id: str) -> Contract:
    principal.require("commissioning:write")
    contract = await ContractRepository(uow.session).get(contract_id, lock=True)
    if contract is None:
        raise ContractNotFound("No such contract.")
    require_contract_buyer(principal, contract)
    return contract


def _emit(
    uow: UnitOfWork, code: str, contract: Contract, now: datetime, fields: dict[str, Any]
) -> str:
    notice_id = str(new_id())
    event = NoticePublished(
        notice_id=notice_id,
        notice_type=code,
        commission_id=contract.commission_id,
        contract_id=contract.id,
        published_at=now,
        fields=fields,
    )
    key = contract.commission_id
    uow.emit(PendingEvent(payload=event, subject=f"notice/{notice_id}", key=key, sequence=1))
    return notice_id


async def _record(
    session: AsyncSession,
    contract: Contract,
    kind: str,
    now: datetime,
    basis: str,
    details: dict[str, Any],
    notice: tuple[str, str] | None,
) -> dict[str, Any]:
    row = {
        "id": str(new_id()),
        "contract_id": contract.id,
        "kind": kind,
        "recorded_at": now,
        "notice_id": notice[0] if notice else None,
        "notice_type": notice[1] if notice else None,
        "basis": basis,
        "details": details,
    }
    await session.execute(insert(orm.contract_changes).values(**row))
    return row


async def modify_contract(
    services: Services,
    principal: Principal,
    contract_id: str,
    *,
    description: str,
    reason: str,
    value: Money | None,
    period_end: date | None,
    ground: str | None,
) -> dict[str, Any]:
    """Modify a live contract: permitted (s.74), with a UK10 first where s.75 requires one."""
    async with services.uow() as uow:
        contract = await _load(uow, principal, contract_id)
        if contract.status not in _LIVE:
            raise NoticeOutOfOrder(
                f"A {contract.status} contract cannot be modified.", section="s.74"
            )
        commission = await CommissionRepository(uow.session).get(contract.commission_id)
        assert commission is not None
        routing = routing_of(commission)
        before = Money(amount=contract.value)
        after = value or before
        new_end = contract.period_end
        if period_end is not None:
            new_end = datetime.combine(period_end, datetime.min.time(), tzinfo=UTC)
        decision = contract_change(
            routing,
            value_before=before,
            value_after=after,
            term_months_before=_months(contract.period_start, contract.period_end),
            term_months_after=_months(contract.period_start, new_end),
        )
        basis = check_modification(decision, ground=ground, before=before, after=after)
        now = await db_now(uow.session, uow.clock)
        details: dict[str, Any] = {
            "description": description,
            "reason": reason,
            "ground": ground,
            "value_before": money(before.amount),
            "value_after": money(after.amount),
            "period_end_before": contract.period_end.date().isoformat()
            if contract.period_end
            else None,
            "period_end_after": new_end.date().isoformat() if new_end else None,
        }
        notice = None
        if decision.notice_required:
            fields = {
                **common_fields(commission),
                **change_fields(
                    contract,
                    description=description,
                    reason=reason,
                    before=details["value_before"],
                    after=details["value_after"],
                    period_end=details["period_end_after"],
                ),
            }
            notice = (_emit(uow, "UK10", contract, now, fields), "UK10")
        contract.value = after.amount
        contract.period_end = new_end
        contract.updated_at = now
        await ContractRepository(uow.session).save(contract)
        row = await _record(uow.session, contract, "change", now, basis, details, notice)
        await _release(services, uow.session, contract, "contractAmendment")
        await uow.commit()
    return row


async def terminate_contract(
    services: Services,
    principal: Principal,
    contract_id: str,
    *,
    reason: str,
) -> dict[str, Any]:
    """End a contract early (or account for one that ended) with the UK11 a public one needs."""
    async with services.uow() as uow:
        contract = await _load(uow, principal, contract_id)
        commission = await CommissionRepository(uow.session).get(contract.commission_id)
        assert commission is not None
        routing = routing_of(commission)
        t = orm.contract_changes
        earlier = await uow.session.execute(
            select(t.c.id).where(t.c.contract_id == contract.id, t.c.kind == "termination")
        )
        if earlier.first() is not None:
            raise NoticeOutOfOrder(
                "This contract's termination is already recorded.", section="s.80"
            )
        now = await db_now(uow.session, uow.clock)
        live = contract.status in _LIVE
        if not live and not routing.covered:
            raise NoticeOutOfOrder(
                f"The contract is already {contract.status} and, below threshold, needs no "
                "contract termination notice.",
                section="s.80",
            )
        if live:
            contract.terminate(reason=reason, now=now)
            await ContractRepository(uow.session).save(contract)
            finished = await _finish_commission(uow.session, contract, now=now)
            uow.track(contract, *([finished] if finished is not None else []))
            await _release(services, uow.session, contract, "contractTermination")
        ended = now.date()
        due = termination_notice_due(routing, ended_on=ended)
        details = {
            "reason": reason,
            "termination_date": ended.isoformat(),
            "notice_due_by": due.isoformat() if due else None,
            "final_value": money(contract.paid_total),
        }
        notice = None
        basis = "Below threshold: no contract termination notice is required (s.80 applies to "
        basis += "public contracts)."
        if due is not None:
            fields = {
                **common_fields(commission),
                **termination_fields(
                    contract,
                    ended_on=ended.isoformat(),
                    reason=reason,
                    final_value=money(contract.paid_total),
                ),
            }
            notice = (_emit(uow, "UK11", contract, now, fields), "UK11")
            basis = f"A public contract: the UK11 is due by {due.isoformat()} (s.80); published."
        row = await _record(uow.session, contract, "termination", now, basis, details, notice)
        await uow.commit()
    return row


async def history(session: AsyncSession, contract_id: str) -> list[dict[str, Any]]:
    """A contract's modifications and termination, oldest first."""
    t = orm.contract_changes
    rows = await session.execute(select(t).where(t.c.contract_id == contract_id).order_by(t.c.seq))
    return [{str(k): v for k, v in r.items()} for r in rows.mappings()]
