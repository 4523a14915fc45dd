"""Measurement plans: which indicators a contract is measured by, with targets and assumptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from streetlevel.common.areas import AreaIndex
from streetlevel.common.events import Aggregate
from streetlevel.outcomes.domain.errors import NotTheBuyer, RuleViolation
from streetlevel.outcomes.domain.events import PlanCreated, PlanIndicatorTargets, PlanUpdated
from streetlevel.outcomes.domain.values import (
    Assumptions,
    IndicatorData,
    Money,
    Period,
    PlanIndicator,
    Target,
    Value,
)


class ContractTerms(Value):
    """What the outcomes service knows of a contract (from commissioning's events)."""

    id: str
    buyer_id: str
    supplier_id: str
    areas: list[str]
    period: Period
    value: Money
    status: str = "pending"
    outcome_targets: dict[str, Decimal] = Field(default_factory=dict)
    rate_card_codes: list[str] = Field(default_factory=list)
    #: Working days the buyer has to verify a report (a contract term).
    verification_days: int = 10

    def is_buyer(self, org: str | None) -> bool:
        return org is not None and org == self.buyer_id

    def is_supplier(self, enterprise_id: str | None) -> bool:
        return enterprise_id is not None and enterprise_id == self.supplier_id

    def covers(self, areas: AreaIndex, code: str) -> bool:
        """True when ``code`` is one of the lot's areas or lies inside one."""
        return any(areas.contains(outer, code) for outer in self.areas)


@dataclass(eq=False)
class MeasurementPlan(Aggregate):
    """A contract's plan; the buyer revises baselines, targets and SROI assumptions."""

    id: str = ""
    contract_id: str = ""
    indicators: list[PlanIndicator] = field(default_factory=list)
    assumptions: Assumptions = field(default_factory=Assumptions)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_contract(
        cls, *, plan_id: str, contract: ContractTerms, now: datetime
    ) -> MeasurementPlan:
        """Indicators from the lot's outcomes (with their targets) and then the rate card."""
        indicators: list[PlanIndicator] = []
        for code, target in contract.outcome_targets.items():
            indicators.append(
                PlanIndicator(code=code, targets=[Target(period=contract.period, value=target)])
            )
        for code in contract.rate_card_codes:
            if code not in contract.outcome_targets:
                indicators.append(PlanIndicator(code=code))
        plan = cls(
            id=plan_id,
            contract_id=contract.id,
            indicators=indicators,
            created_at=now,
            updated_at=now,
        )
        plan.record(PlanCreated(**plan._public()), subject=f"plan/{plan_id}")
        return plan

    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def has(self, code: str) -> bool:
        return code in self.codes()

    def revise(
        self,
        *,
        contract: ContractTerms,
        org: str | None,
        indicators: list[PlanIndicator],
        assumptions: Assumptions,
        catalogue: Mapping[str, IndicatorData],
        areas: AreaIndex,
        now: datetime,
    ) -> None:
        """The buyer's edit: every indicator known, targets inside the contract's terms."""
        if not contract.is_buyer(org):
            raise NotTheBuyer("Only the contract's buyer may change its plan.")
        _check_indicators(indicators, contract, catalogue, areas)
        if indicators == self.indicators and assumptions == self.assumptions:
            return
        self.indicators = indicators
        self.assumptions = assumptions
        self.updated_at = now
        self.record(PlanUpdated(**self._public()), subject=f"plan/{self.id}")

    def _public(self) -> dict[str, object]:
        return {
            "plan_id": self.id,
            "contract_id": self.contract_id,
            "indicators": [
                PlanIndicatorTargets(code=i.code, targets=i.targets) for i in self.indicators
            ],
        }


def _check_indicators(
    indicators: Iterable[PlanIndicator],
    contract: ContractTerms,
    catalogue: Mapping[str, IndicatorData],
    areas: AreaIndex,
) -> None:
    seen: set[str] = set()
    for position, item in enumerate(indicators):
        where = f"indicators[{position}]"
        if item.code in seen:
            raise RuleViolation(f"indicator {item.code} is listed twice", where)
        seen.add(item.code)
        if item.code not in catalogue:
            raise RuleViolation(f"unknown indicator {item.code}", where)
        for target in item.targets:
            if not target.period.within(contract.period):
                raise RuleViolation("a target period is outside the contract", where)
            if target.area is not None and not contract.covers(areas, target.area):
                raise RuleViolation(f"area {target.area} is outside the lot", where)
