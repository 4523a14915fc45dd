"""Observations: reported by the supplier, verified or rejected by the buyer, superseded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from streetlevel.common.areas import AreaIndex
from streetlevel.common.events import Aggregate
from streetlevel.outcomes.domain import events as ev
from streetlevel.outcomes.domain.errors import (
    IllegalObservationTransition,
    NotTheBuyer,
    NotTheSupplier,
    RuleViolation,
)
from streetlevel.outcomes.domain.plans import ContractTerms, MeasurementPlan
from streetlevel.outcomes.domain.values import WHOLE_UNITS, IndicatorData, Period

Status = Literal["reported", "verified", "rejected", "superseded"]


@dataclass(eq=False)
class Observation(Aggregate):
    """One figure for a plan, indicator, period and area; history kept through supersession."""

    id: str = ""
    plan_id: str = ""
    contract_id: str = ""
    indicator_code: str = ""
    period: Period | None = None
    area: str = ""
    value: Decimal = Decimal(0)
    evidence: str | None = None
    status: Status = "reported"
    current: bool = True
    supersedes: str | None = None
    superseded_by: str | None = None
    reported_by: str = ""
    reported_at: datetime | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    #: The buyer's deadline to verify it; set when it was escalated unanswered past it.
    verify_by: datetime | None = None
    escalated_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str, Period | None, str]:
        return (self.plan_id, self.indicator_code, self.period, self.area)

    @classmethod
    def report(
        cls,
        *,
        observation_id: str,
        plan: MeasurementPlan,
        contract: ContractTerms,
        indicator: IndicatorData,
        enterprise_id: str | None,
        period: Period,
        area: str,
        value: Decimal,
        evidence: str | None,
        areas: AreaIndex,
        previous: Observation | None,
        now: datetime,
    ) -> Observation:
        """A supplier's report; ``previous`` (same key, current) is superseded by it."""
        if not contract.is_supplier(enterprise_id):
            raise NotTheSupplier("Only the contract's supplier may report observations.")
        if not plan.has(indicator.code):
            raise RuleViolation(
                f"{indicator.code} is not an indicator of this plan", "indicator_code"
            )
        if not contract.covers(areas, area):
            raise RuleViolation(f"area {area} is not inside the lot's areas", "area")
        if not period.within(contract.period):
            raise RuleViolation(
                f"the period is outside the contract's term ({contract.period.start} to "
                f"{contract.period.end})",
                "period",
            )
        if not period.ended_by(now):
            raise RuleViolation(
                f"the period has not ended yet: figures for it can be reported from "
                f"{period.end + timedelta(days=1)}",
                "period",
            )
        if value < 0:
            raise RuleViolation("a value cannot be negative", "value")
        if indicator.unit in WHOLE_UNITS and value != value.to_integral_value():
            raise RuleViolation(f"{indicator.unit} are counted in whole numbers", "value")
        observation = cls(
            id=observation_id,
            plan_id=plan.id,
            contract_id=contract.id,
            indicator_code=indicator.code,
            period=period,
            area=area,
            value=value,
            evidence=evidence,
            supersedes=previous.id if previous is not None else None,
            reported_by=enterprise_id or "",
            reported_at=now,
        )
        if previous is not None:
            previous.superseded(by=observation_id)
        observation._emit(ev.ObservationReported, supersedes=observation.supersedes)
        return observation

    def escalate(self, *, now: datetime) -> bool:
        """Past its deadline still unanswered: escalated once (counted against the buyer)."""
        if (
            self.status != "reported"
            or not self.current
            or self.escalated_at is not None
            or self.verify_by is None
            or now < self.verify_by
        ):
            return False
        self.escalated_at = now
        self._emit(ev.ObservationEscalated, verify_by=self.verify_by)
        return True

    def superseded(self, *, by: str) -> None:
        """A new report for the same key replaces this one, which stays as history."""
        if not self.current:
            raise IllegalObservationTransition("This observation is already superseded.")
        was_verified = self.status == "verified"
        self.status = "superseded"
        self.current = False
        self.superseded_by = by
        self._emit(ev.ObservationSuperseded, superseded_by=by, was_verified=was_verified)

    def decide(
        self,
        *,
        contract: ContractTerms,
        org: str | None,
        decision: Literal["verified", "rejected"],
        note: str | None,
        now: datetime,
    ) -> None:
        """The buyer verifies or rejects a reported observation."""
        if not contract.is_buyer(org):
            raise NotTheBuyer("Only the contract's buyer may verify observations.")
        if self.status != "reported":
            raise IllegalObservationTransition(
                f"Only a reported observation can be decided; this one is {self.status}."
            )
        assert self.period is not None
        if not self.period.ended_by(now):  # a verification is never dated inside its period
            raise RuleViolation("the period has not ended yet: it cannot be verified", "period")
        self.status = decision
        self.decided_at = now
        self.decision_note = note
        event = ev.ObservationVerified if decision == "verified" else ev.ObservationRejected
        self._emit(event, note=note)

    def withdraw_verification(
        self, *, contract: ContractTerms, org: str | None, reason: str, now: datetime
    ) -> None:
        """The buyer takes a verification back: the observation is reported again."""
        if not contract.is_buyer(org):
            raise NotTheBuyer("Only the contract's buyer may withdraw a verification.")
        if self.status != "verified":
            raise IllegalObservationTransition(
                f"Only a verified observation can be withdrawn; this one is {self.status}."
            )
        self.status = "reported"
        self.decided_at = now
        self.decision_note = reason
        self._emit(ev.ObservationVerificationWithdrawn, reason=reason)

    def _emit(self, event: type[ev._ObservationEvent], **extra: Any) -> None:
        assert self.period is not None
        payload = event(
            observation_id=self.id,
            plan_id=self.plan_id,
            contract_id=self.contract_id,
            indicator_code=self.indicator_code,
            period=self.period,
            area=self.area,
            value=self.value,
            status=self.status,
            **extra,
        )
        # Keyed by contract: payment lines for one contract apply in order on one partition.
        self.record(payload, subject=f"observation/{self.id}", key=self.contract_id)
