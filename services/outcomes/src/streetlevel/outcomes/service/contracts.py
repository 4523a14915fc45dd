"""Use cases of commissioning's contract events: a new contract gets its plan; status follows."""

from __future__ import annotations

from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.uow import UnitOfWork
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.adapters.contracts import (
    STATUS_OF,
    ContractCreated,
    ContractStatusChanged,
)
from streetlevel.outcomes.adapters.enterprise_name_repository import EnterpriseNameRepository
from streetlevel.outcomes.adapters.plan_repository import PlanRepository
from streetlevel.outcomes.domain.plans import MeasurementPlan


async def plan_contract(*, uow: UnitOfWork, event: Envelope) -> None:
    """Keep the new contract and open its measurement plan (``plan.created`` via the outbox)."""
    created = ContractCreated.model_validate(event.data)
    async with uow:
        contracts = ContractRepository(uow.session)
        if await contracts.row(created.contract_id) is not None:
            return  # the same fact delivered under another event id: one plan per contract
        now = uow.clock.now()
        known_name = await EnterpriseNameRepository(uow.session).get(created.supplier.enterprise_id)
        await contracts.add(created, supplier_name=known_name or created.supplier.name, now=now)
        plan = MeasurementPlan.from_contract(
            plan_id=str(new_id()), contract=created.terms(), now=now
        )
        await PlanRepository(uow.session).add(plan)
        uow.track(plan)
        await uow.commit()


async def record_contract_status(*, uow: UnitOfWork, event: Envelope) -> None:
    """A contract activated, terminated or completed: the plan's reports follow its status."""
    change = ContractStatusChanged.model_validate(event.data)
    contract_id = change.contract_id or event.aggregate_id
    async with uow:
        await ContractRepository(uow.session).set_status(
            contract_id, STATUS_OF[event.short_type], uow.clock.now()
        )
        await uow.commit()
