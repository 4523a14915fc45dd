"""Moves commissions and contracts on at their dates, whether or not anyone calls the API."""

from __future__ import annotations

from datetime import datetime

from streetlevel.commissioning.adapters.clock import db_now
from streetlevel.commissioning.adapters.commission_repository import CommissionRepository
from streetlevel.commissioning.adapters.contract_repository import ContractRepository
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.contracts import start_contract
from streetlevel.commissioning.service.evaluation import close_commission
from streetlevel.commissioning.service.payables import run_payable_jobs
from streetlevel.common.periodic import Periodic


async def run_due_jobs(services: Services, now: datetime | None = None) -> int:
    """Close commissions past their deadline, start contracts, raise and age payables.

    Returns how many jobs this replica did. Each job is claimed with ``FOR UPDATE SKIP
    LOCKED`` in its own transaction, so several replicas share the work without doing any of
    it twice. Without ``now`` the time is the database clock on PostgreSQL.
    """
    done = 0
    while True:
        async with services.uow() as uow:
            when = now or await db_now(uow.session, services.clock)
            claimed = await CommissionRepository(uow.session).claim_due(when, limit=1)
            if not claimed:
                break
            commission = await close_commission(
                services=services, session=uow.session, commission_id=claimed[0], now=when
            )
            if commission is not None:
                uow.track(commission)
                done += 1
            await uow.commit()
    done += await _start_contracts(services, now)
    return done + await run_payable_jobs(services, now)


async def _start_contracts(services: Services, now: datetime | None) -> int:
    done = 0
    while True:
        async with services.uow() as uow:
            when = now or await db_now(uow.session, services.clock)
            due = await ContractRepository(uow.session).claim_due(when, limit=1)
            if not due:
                return done
            contract = await start_contract(
                services=services, session=uow.session, contract_id=due[0], now=when
            )
            if contract is None:  # nothing to do after all: never spin on the same row
                return done
            uow.track(contract)
            done += 1
            await uow.commit()


def scheduler(services: Services, interval_s: float) -> Periodic:
    """The background task that runs due jobs every ``interval_s``."""
    return Periodic(
        "commissioning-scheduler", lambda: run_due_jobs(services), interval_s, first=True
    )
