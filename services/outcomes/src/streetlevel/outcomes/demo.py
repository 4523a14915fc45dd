"""Embedded-mode demo data: reported and verified figures for contracts that have none yet.

The gateway calls ``seed_demo(app)`` after the demo contract's event reached this service, so
that progress, social value and area reports show something on first start. Only quarters
that have ended by ``present`` are reported, each the day after it ends (``travel_to`` moves
the replayed clock there) and verified two days later: the demo obeys the rules on time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi import FastAPI
from sqlalchemy import select

from streetlevel.common.areas import area_type
from streetlevel.common.auth import Principal
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.adapters.plan_repository import PlanRepository
from streetlevel.outcomes.domain.values import Period
from streetlevel.outcomes.service import handlers
from streetlevel.outcomes.service.context import Services

# Deterministic, varied figures: some small ones show disclosure control at work.
DEMO_VALUES = (Decimal(7), Decimal(3), Decimal(12), Decimal(9), Decimal(2), Decimal(15))


async def seed_demo(
    app: FastAPI,
    *,
    max_areas: int = 3,
    travel_to: Callable[[datetime], Awaitable[None]] | None = None,
    present: datetime | None = None,
    after_verified: Callable[[str, datetime], Awaitable[None]] | None = None,
) -> int:
    """Report and verify figures for every plan without observations; returns how many.

    ``after_verified(contract_id, at)`` runs after each quarter's verifications (made at ``at``),
    so the buyer can pay the invoices they raise within the replayed time, as a good payer does.
    """
    services: Services = app.state.services
    runtime = services.runtime
    async with runtime.sessions() as session:
        with_figures = set(
            (await session.execute(select(orm.observations.c.plan_id).distinct())).scalars()
        )
        plan_ids = [
            p
            for p in (await session.execute(select(orm.plans.c.id))).scalars()
            if p not in with_figures
        ]
        work = []
        for plan_id in plan_ids:
            plan = await PlanRepository(session).get(plan_id)
            contract = await ContractRepository(session).get(plan.contract_id) if plan else None
            if plan is not None and contract is not None:
                work.append((plan, contract))
    count = 0
    for plan, contract in work:
        supplier = Principal(
            client_id="demo",
            kind="enterprise",
            scopes=frozenset({"outcomes:report"}),
            enterprise_id=contract.supplier_id,
        )
        buyer = Principal(
            client_id="demo",
            kind="council",
            scopes=frozenset({"outcomes:verify"}),
            org=contract.buyer_id,
        )
        places = (
            sorted({lsoa for area in contract.areas for lsoa in services.areas.lsoas(area)})[
                :max_areas
            ]
            or [a for a in contract.areas if area_type(a)][:1]
        )
        start = contract.period.start
        quarters = [
            Period(start=start, end=min(start + timedelta(days=89), contract.period.end)),
        ]
        if start + timedelta(days=90) <= contract.period.end:
            quarters.append(
                Period(
                    start=start + timedelta(days=90),
                    end=min(start + timedelta(days=179), contract.period.end),
                )
            )
        until = present or runtime.clock.now()
        # Replayed, a quarter is reported the day after it ends and verified two days later.
        margin = timedelta(days=3) if travel_to is not None else timedelta(0)
        quarters = [q for q in quarters if _close(q) + margin <= until]
        for q, period in enumerate(quarters):
            if travel_to is not None:
                await travel_to(_close(period) + timedelta(hours=9))
            decisions = []
            for item in plan.indicators:
                for a, area in enumerate(places):
                    value = DEMO_VALUES[(count + q + a) % len(DEMO_VALUES)]
                    observation = await handlers.report_observation(
                        uow=runtime.uow(),
                        principal=supplier,
                        plan_id=plan.id,
                        indicator_code=item.code,
                        period=period,
                        area=area,
                        value=value,
                        evidence="Street Level demo data",
                        areas=services.areas,
                    )
                    count += 1
                    if q == 0 or a > 0:  # leave a few unverified to show the difference
                        decisions.append(observation.id)
            if travel_to is not None:
                await travel_to(_close(period) + timedelta(days=2, hours=9))
            for observation_id in decisions:
                await handlers.decide_observation(
                    uow=runtime.uow(),
                    principal=buyer,
                    observation_id=observation_id,
                    decision="verified",
                    note="demo",
                )
            if after_verified is not None and decisions:
                await after_verified(contract.id, runtime.clock.now())
    return count


def _close(period: Period) -> datetime:
    """The instant ``period`` ends: midnight UTC after its last day."""
    last = period.end + timedelta(days=1)
    return datetime(last.year, last.month, last.day, tzinfo=UTC)
