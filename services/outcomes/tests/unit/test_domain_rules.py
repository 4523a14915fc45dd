"""Domain rules of plans and observations, without any I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from streetlevel.common.areas import Area, AreaIndex
from streetlevel.outcomes.domain.catalogue import DEFAULT_CATALOGUE
from streetlevel.outcomes.domain.errors import (
    IllegalObservationTransition,
    NotTheBuyer,
    NotTheSupplier,
    RuleViolation,
)
from streetlevel.outcomes.domain.observations import Observation
from streetlevel.outcomes.domain.plans import ContractTerms, MeasurementPlan
from streetlevel.outcomes.domain.values import (
    Assumptions,
    Money,
    Period,
    PlanIndicator,
    ProxyValue,
    Target,
)

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
CATALOGUE = {i.code: i for i in DEFAULT_CATALOGUE}
AREAS = AreaIndex(
    [
        Area("E06000009", "Blackpool", "lad"),
        Area("E05015186", "Anchorsholme", "ward", "E06000009"),
        Area("E01012680", "Blackpool 001A", "lsoa", "E05015186"),
        Area("E07000119", "Fylde", "lad"),
    ]
)
CONTRACT = ContractTerms(
    id="contract-1",
    buyer_id="GB-LAE-BPL",
    supplier_id="enterprise-1",
    areas=["E05015186"],
    period=Period(start=date(2026, 1, 1), end=date(2026, 12, 31)),
    value=Money(amount=Decimal("5000.00")),
    outcome_targets={"jobs.local_hires": Decimal(12)},
    rate_card_codes=["jobs.local_hires", "skills.training_hours"],
)
Q1 = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))


def _plan() -> MeasurementPlan:
    return MeasurementPlan.from_contract(plan_id="plan-1", contract=CONTRACT, now=NOW)


def _report(plan: MeasurementPlan, **overrides: object) -> Observation:
    arguments: dict[str, object] = {
        "observation_id": "obs-1",
        "plan": plan,
        "contract": CONTRACT,
        "indicator": CATALOGUE["jobs.local_hires"],
        "enterprise_id": "enterprise-1",
        "period": Q1,
        "area": "E01012680",
        "value": Decimal(3),
        "evidence": "payroll extract",
        "areas": AREAS,
        "previous": None,
        "now": NOW,
    }
    arguments.update(overrides)
    return Observation.report(**arguments)  # type: ignore[arg-type]


def test_a_plan_takes_its_indicators_from_the_lot_outcomes_and_the_rate_card() -> None:
    plan = _plan()
    assert plan.codes() == ["jobs.local_hires", "skills.training_hours"]
    assert plan.indicators[0].targets[0].value == Decimal(12)
    (event,) = plan.take_events()
    assert event.payload.event_type == "outcomes.plan.created.v1"
    assert "baseline" not in event.payload.model_dump_json()


def test_only_the_supplier_may_report_an_observation() -> None:
    with pytest.raises(NotTheSupplier):
        _report(_plan(), enterprise_id="enterprise-2")


def test_an_observation_must_be_for_an_indicator_of_the_plan() -> None:
    with pytest.raises(RuleViolation):
        _report(_plan(), indicator=CATALOGUE["env.co2e_avoided"])


def test_an_observation_outside_the_lot_areas_is_refused() -> None:
    with pytest.raises(RuleViolation):
        _report(_plan(), area="E07000119")


def test_an_observation_outside_the_contract_period_is_refused() -> None:
    late = Period(start=date(2026, 12, 1), end=date(2027, 1, 31))
    with pytest.raises(RuleViolation):
        _report(_plan(), period=late)


def test_people_are_counted_in_whole_numbers() -> None:
    with pytest.raises(RuleViolation):
        _report(_plan(), value=Decimal("2.5"))


def test_a_new_report_supersedes_the_old_one_and_keeps_it_as_history() -> None:
    plan = _plan()
    first = _report(plan)
    first.decide(contract=CONTRACT, org="GB-LAE-BPL", decision="verified", note=None, now=NOW)
    first.take_events()
    second = _report(plan, observation_id="obs-2", value=Decimal(5), previous=first)
    assert (first.status, first.current, first.superseded_by) == ("superseded", False, "obs-2")
    (superseded,) = first.take_events()
    assert superseded.payload.event_type == "outcomes.observation.superseded.v1"
    assert superseded.payload.was_verified is True
    assert superseded.key == "contract-1"
    (reported,) = second.take_events()
    assert reported.payload.supersedes == "obs-1"


def test_only_the_buyer_may_verify_and_only_once() -> None:
    obs = _report(_plan())
    with pytest.raises(NotTheBuyer):
        obs.decide(contract=CONTRACT, org="GB-LAE-FYL", decision="verified", note=None, now=NOW)
    obs.decide(contract=CONTRACT, org="GB-LAE-BPL", decision="verified", note="ok", now=NOW)
    with pytest.raises(IllegalObservationTransition):
        obs.decide(contract=CONTRACT, org="GB-LAE-BPL", decision="rejected", note=None, now=NOW)


def test_a_withdrawn_verification_leaves_the_observation_reported_again() -> None:
    obs = _report(_plan())
    with pytest.raises(IllegalObservationTransition):
        obs.withdraw_verification(contract=CONTRACT, org="GB-LAE-BPL", reason="x", now=NOW)
    obs.decide(contract=CONTRACT, org="GB-LAE-BPL", decision="verified", note=None, now=NOW)
    obs.withdraw_verification(contract=CONTRACT, org="GB-LAE-BPL", reason="wrong", now=NOW)
    assert obs.status == "reported"
    types = [e.payload.event_type for e in obs.take_events()]
    assert types[-1] == "outcomes.observation.verification_withdrawn.v1"


def test_assumptions_are_percentages_from_zero_to_a_hundred() -> None:
    assert Assumptions().discount_rate == Decimal("3.5")
    with pytest.raises(ValidationError):
        Assumptions(deadweight=Decimal(101))


def test_a_proxy_value_always_states_its_source() -> None:
    with pytest.raises(ValidationError):
        ProxyValue.model_validate({"amount": "10.00", "currency": "GBP", "year": 2026})
    assert all(i.proxy_value.source for i in DEFAULT_CATALOGUE if i.proxy_value is not None)


def test_the_buyer_cannot_target_an_area_outside_the_lot() -> None:
    plan = _plan()
    bad = PlanIndicator(
        code="jobs.local_hires", targets=[Target(period=Q1, area="E07000119", value=Decimal(1))]
    )
    with pytest.raises(RuleViolation):
        plan.revise(
            contract=CONTRACT,
            org="GB-LAE-BPL",
            indicators=[bad],
            assumptions=Assumptions(),
            catalogue=CATALOGUE,
            areas=AREAS,
            now=NOW,
        )
    with pytest.raises(NotTheBuyer):
        plan.revise(
            contract=CONTRACT,
            org="GB-LAE-FYL",
            indicators=plan.indicators,
            assumptions=Assumptions(),
            catalogue=CATALOGUE,
            areas=AREAS,
            now=NOW,
        )


def test_an_observation_is_only_for_a_period_that_has_ended() -> None:
    in_progress = Period(start=date(2026, 11, 1), end=date(2026, 11, 30))
    with pytest.raises(RuleViolation, match=r"has not ended yet.*2026-12-01"):
        _report(_plan(), period=in_progress)
    last_day = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    with pytest.raises(RuleViolation):
        _report(_plan(), period=in_progress, now=last_day)
    next_morning = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert _report(_plan(), period=in_progress, now=next_morning).period == in_progress


def test_a_verification_is_never_dated_inside_the_period_it_verifies() -> None:
    observation = _report(_plan())
    early = datetime(2026, 3, 31, 12, tzinfo=UTC)
    with pytest.raises(RuleViolation):
        observation.decide(
            contract=CONTRACT, org="GB-LAE-BPL", decision="verified", note=None, now=early
        )
    observation.decide(contract=CONTRACT, org="GB-LAE-BPL", decision="verified", note=None, now=NOW)
    assert observation.status == "verified"
