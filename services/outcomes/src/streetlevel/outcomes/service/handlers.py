"""Use cases: load → act → commit, one unit of work each."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from streetlevel.common.areas import AreaIndex
from streetlevel.common.auth import Principal
from streetlevel.common.db import database_now
from streetlevel.common.errors import Forbidden, NotFound, PreconditionFailed
from streetlevel.common.ids import new_id
from streetlevel.common.themes import check_themes
from streetlevel.common.uow import UnitOfWork
from streetlevel.outcomes.adapters import orm
from streetlevel.outcomes.adapters.calendar import BankHolidays
from streetlevel.outcomes.adapters.contract_repository import ContractRepository
from streetlevel.outcomes.adapters.indicator_repository import IndicatorRepository
from streetlevel.outcomes.adapters.observation_repository import ObservationRepository
from streetlevel.outcomes.adapters.plan_repository import PlanRepository
from streetlevel.outcomes.domain.catalogue import DEFAULT_CATALOGUE
from streetlevel.outcomes.domain.deadlines import verification_deadline
from streetlevel.outcomes.domain.errors import IndicatorExists, UnknownIndicator
from streetlevel.outcomes.domain.indicators import PLATFORM_OWNER, Indicator
from streetlevel.outcomes.domain.observations import Observation
from streetlevel.outcomes.domain.plans import ContractTerms, MeasurementPlan
from streetlevel.outcomes.domain.values import Assumptions, IndicatorData, Period, PlanIndicator


async def create_indicator(
    *, uow: UnitOfWork, principal: Principal, data: IndicatorData
) -> Indicator:
    """A council (``outcomes:write``) or the platform admin adds an indicator."""
    if principal.has("admin"):
        owner = PLATFORM_OWNER
    else:
        principal.require("outcomes:write")
        if principal.org is None:
            raise Forbidden("Only councils add indicators.")
        owner = principal.org
    async with uow:
        await check_themes(uow.session, orm.themes, data.themes, ["body", "themes"])
        repo = IndicatorRepository(uow.session)
        if await repo.get(data.code) is not None:
            raise IndicatorExists(f"Indicator {data.code} already exists.")
        indicator = Indicator.create(data=data, owner=owner, now=uow.clock.now())
        await repo.add(indicator)
        uow.track(indicator)
        await uow.commit()
    return indicator


async def revise_indicator(
    *,
    uow: UnitOfWork,
    principal: Principal,
    code: str,
    data: IndicatorData,
    expected_version: int | None,
) -> Indicator:
    """The indicator's owner (its council, or admin for the platform's) changes it."""
    if not principal.has("admin"):
        principal.require("outcomes:write")
    async with uow:
        repo = IndicatorRepository(uow.session)
        indicator = await repo.get(code)
        if indicator is None:
            raise UnknownIndicator(f"No indicator {code}.")
        owner = PLATFORM_OWNER if principal.has("admin") else principal.org
        if owner != indicator.owner:
            raise Forbidden("Only the indicator's owner may change it.")
        if expected_version is not None and expected_version != indicator.version:
            raise PreconditionFailed("The indicator has changed since you read it.")
        # Only codes the change adds: a kept, since retired code does not block another fix.
        added = [c for c in data.themes if c not in indicator.spec.themes]
        await check_themes(uow.session, orm.themes, added, ["body", "themes"])
        loaded = indicator.version
        indicator.revise(data=data, now=uow.clock.now())
        await repo.save(indicator, loaded_version=loaded)
        uow.track(indicator)
        await uow.commit()
    return indicator


async def seed_catalogue(*, uow: UnitOfWork) -> int:
    """Add the default catalogue to an empty database; a second run changes nothing."""
    async with uow:
        repo = IndicatorRepository(uow.session)
        if await repo.count() > 0:
            return 0
        now = uow.clock.now()
        for data in DEFAULT_CATALOGUE:
            indicator = Indicator.create(data=data, owner=PLATFORM_OWNER, now=now)
            await repo.add(indicator)
            uow.track(indicator)
        await uow.commit()
    return len(DEFAULT_CATALOGUE)


async def _plan_and_contract(
    uow: UnitOfWork, plan_id: str, repo: PlanRepository | None = None
) -> tuple[MeasurementPlan, ContractTerms]:
    plan = await (repo or PlanRepository(uow.session)).get(plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}.")
    contract = await ContractRepository(uow.session).get(plan.contract_id)
    if contract is None:
        raise NotFound(f"No contract {plan.contract_id}.")
    return plan, contract


async def revise_plan(
    *,
    uow: UnitOfWork,
    principal: Principal,
    plan_id: str,
    indicators: list[PlanIndicator],
    assumptions: Assumptions,
    expected_version: int | None,
    areas: AreaIndex,
) -> MeasurementPlan:
    """The buyer's merge-patched plan; ``expected_version`` from If-Match."""
    principal.require("outcomes:write")
    async with uow:
        repo = PlanRepository(uow.session)
        plan, contract = await _plan_and_contract(uow, plan_id, repo)
        if expected_version is not None and expected_version != plan.version:
            raise PreconditionFailed("The plan has changed since you read it.")
        catalogue = await IndicatorRepository(uow.session).catalogue()
        plan.revise(
            contract=contract,
            org=principal.org,
            indicators=indicators,
            assumptions=assumptions,
            catalogue=catalogue,
            areas=areas,
            now=uow.clock.now(),
        )
        await repo.save(plan)
        uow.track(plan)
        await uow.commit()
    return plan


async def report_observation(
    *,
    uow: UnitOfWork,
    principal: Principal,
    plan_id: str,
    indicator_code: str,
    period: Period,
    area: str,
    value: Decimal,
    evidence: str | None,
    areas: AreaIndex,
) -> Observation:
    """The supplier reports a figure; a figure for the same key supersedes the current one."""
    principal.require("outcomes:report")
    async with uow:
        plan, contract = await _plan_and_contract(uow, plan_id)
        indicator = await IndicatorRepository(uow.session).get(indicator_code)
        if indicator is None:
            raise UnknownIndicator(f"No indicator {indicator_code}.")
        repo = ObservationRepository(uow.session)
        previous = await repo.current_for(
            plan_id=plan_id, indicator_code=indicator_code, period=period, area=area
        )
        # The database clock on PostgreSQL: whether a period has ended is not a replica's call.
        now = await database_now(uow.session, uow.clock)
        observation = Observation.report(
            observation_id=str(new_id()),
            plan=plan,
            contract=contract,
            indicator=indicator.spec,
            enterprise_id=principal.enterprise_id,
            period=period,
            area=area,
            value=value,
            evidence=evidence,
            areas=areas,
            previous=previous,
            now=now,
        )
        observation.verify_by = verification_deadline(
            now, contract.verification_days, BankHolidays()
        )
        if previous is not None:
            # The old row leaves the "current" unique index before the new one enters it.
            await repo.save(previous)
            await repo.note(
                previous.id, action="superseded", note=None, actor=principal.actor, at=now
            )
            uow.track(previous)
        await repo.add(observation)
        await repo.note(observation.id, action="reported", note=None, actor=principal.actor, at=now)
        uow.track(observation)
        await uow.commit()
    return observation


async def _load_for_buyer(
    uow: UnitOfWork, observation_id: str
) -> tuple[ObservationRepository, Observation, ContractTerms]:
    repo = ObservationRepository(uow.session)
    observation = await repo.get(observation_id)
    if observation is None:
        raise NotFound(f"No observation {observation_id}.")
    contract = await ContractRepository(uow.session).get(observation.contract_id)
    if contract is None:
        raise NotFound(f"No contract {observation.contract_id}.")
    return repo, observation, contract


async def decide_observation(
    *,
    uow: UnitOfWork,
    principal: Principal,
    observation_id: str,
    decision: Literal["verified", "rejected"],
    note: str | None,
) -> Observation:
    """The buyer verifies or rejects a reported observation."""
    principal.require("outcomes:verify")
    async with uow:
        repo, observation, contract = await _load_for_buyer(uow, observation_id)
        now = await database_now(uow.session, uow.clock)
        observation.decide(
            contract=contract, org=principal.org, decision=decision, note=note, now=now
        )
        await repo.save(observation)
        await repo.note(observation.id, action=decision, note=note, actor=principal.actor, at=now)
        uow.track(observation)
        await uow.commit()
    return observation


async def withdraw_verification(
    *, uow: UnitOfWork, principal: Principal, observation_id: str, reason: str
) -> Observation:
    """The buyer withdraws a verification."""
    principal.require("outcomes:verify")
    async with uow:
        repo, observation, contract = await _load_for_buyer(uow, observation_id)
        now = uow.clock.now()
        observation.withdraw_verification(
            contract=contract, org=principal.org, reason=reason, now=now
        )
        await repo.save(observation)
        await repo.note(
            observation.id,
            action="verification_withdrawn",
            note=reason,
            actor=principal.actor,
            at=now,
        )
        uow.track(observation)
        await uow.commit()
    return observation
