"""Procedures per classification and their minimum periods (ss.20, 41-44, 54, 85)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from streetlevel.commissioning.domain.procurement.errors import (
    PeriodTooShort,
    ProcurementRuleBroken,
)
from streetlevel.commissioning.domain.procurement.procedures import (
    DEFAULT_PERIODS,
    ProcedurePlan,
    check_procedure,
    check_tendering_period,
    min_tendering_days,
)
from streetlevel.commissioning.domain.procurement.thresholds import Routing, classify
from streetlevel.commissioning.domain.values import Money

NOTICE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def routed(
    amount: str, kind: str = "services", nation: str = "england", grant: bool = False
) -> Routing:
    return classify(
        [Money(amount=Decimal(amount))],
        kind=kind,
        nation=nation,  # type: ignore[arg-type]
        started_on=date(2026, 3, 1),
        grant=grant,
    )


ABOVE, BELOW = routed("300000"), routed("60000")


def test_a_competitive_flexible_procedure_declares_stages_ending_with_tender() -> None:
    check_procedure(ProcedurePlan("competitive_flexible", ("participation", "tender")), ABOVE)
    for stages in [(), ("tender", "negotiation")]:
        with pytest.raises(ProcurementRuleBroken) as err:
            check_procedure(ProcedurePlan("competitive_flexible", stages), ABOVE)  # type: ignore[arg-type]
        assert err.value.rule == "stages_undeclared"
    with pytest.raises(ProcurementRuleBroken, match="once"):
        check_procedure(
            ProcedurePlan("competitive_flexible", ("tender", "negotiation", "tender")), ABOVE
        )


def test_a_direct_award_above_threshold_needs_a_schedule_5_ground_and_its_reasons() -> None:
    with pytest.raises(ProcurementRuleBroken) as err:
        check_procedure(ProcedurePlan("direct_award", direct_award_ground="cheapest"), ABOVE)
    assert err.value.rule == "direct_award_unjustified"
    assert "Schedule 5" in err.value.detail
    with pytest.raises(ProcurementRuleBroken, match="UK5"):
        check_procedure(ProcedurePlan("direct_award", direct_award_ground="extreme_urgency"), ABOVE)
    check_procedure(
        ProcedurePlan(
            "direct_award",
            direct_award_ground="extreme_urgency",
            justification="Flood damage closed the only day centre.",
        ),
        ABOVE,
    )


def test_a_direct_award_below_threshold_needs_no_statutory_ground() -> None:
    check_procedure(ProcedurePlan("direct_award"), BELOW)


def test_below_threshold_in_england_a_separate_selection_stage_is_refused() -> None:
    for plan in [
        ProcedurePlan("open", separate_selection_stage=True),
        ProcedurePlan("competitive_flexible", ("participation", "tender")),
    ]:
        with pytest.raises(ProcurementRuleBroken) as err:
            check_procedure(plan, BELOW)
        assert err.value.rule == "no_selection_stage_below_threshold"
        assert "ss.84-85" in err.value.extensions["errors"][0]["msg"]
    check_procedure(ProcedurePlan("open"), BELOW)
    check_procedure(ProcedurePlan("open"), routed("10000"))


def test_the_s85_bar_does_not_bind_welsh_councils_or_large_works() -> None:
    plan = ProcedurePlan("open", separate_selection_stage=True)
    check_procedure(plan, routed("60000", nation="wales"))
    check_procedure(plan, routed("3000000", kind="works"))
    with pytest.raises(ProcurementRuleBroken):
        check_procedure(plan, routed("200000", kind="works"))


def test_only_a_grant_outside_the_act_may_use_the_grant_procedure() -> None:
    check_procedure(ProcedurePlan("grant"), routed("5000", grant=True))
    with pytest.raises(ProcurementRuleBroken, match="grant"):
        check_procedure(ProcedurePlan("grant"), BELOW)


def test_minimum_tendering_periods_follow_classification_and_notices() -> None:
    days = lambda plan, routing: min_tendering_days(plan, routing, tender_notice_at=NOTICE)  # noqa: E731
    assert days(ProcedurePlan("open"), ABOVE) == 25
    assert days(ProcedurePlan("competitive_flexible", ("tender",)), ABOVE) == 25
    assert days(ProcedurePlan("open", urgency=True), ABOVE) == 10
    qppn_40 = ProcedurePlan("open", planned_procurement_notice_at=NOTICE - timedelta(days=40))
    qppn_39 = ProcedurePlan("open", planned_procurement_notice_at=NOTICE - timedelta(days=39))
    qppn_366 = ProcedurePlan("open", planned_procurement_notice_at=NOTICE - timedelta(days=366))
    assert days(qppn_40, ABOVE) == 10
    assert days(qppn_39, ABOVE) == 25
    assert days(qppn_366, ABOVE) == 25
    assert days(ProcedurePlan("open"), BELOW) == 10
    assert days(ProcedurePlan("direct_award"), ABOVE) == 0


def test_periods_are_a_frozen_set_of_defaults_a_deployment_may_lengthen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PERIODS.open_tendering = 5  # type: ignore[misc]
    longer = dataclasses.replace(DEFAULT_PERIODS, open_tendering=35)
    assert (
        min_tendering_days(ProcedurePlan("open"), ABOVE, tender_notice_at=NOTICE, periods=longer)
        == 35
    )


def test_a_tender_deadline_too_soon_is_refused_with_the_section() -> None:
    plan = ProcedurePlan("open")
    check_tendering_period(
        plan, ABOVE, tender_notice_at=NOTICE, tender_end=NOTICE + timedelta(days=25)
    )
    with pytest.raises(PeriodTooShort) as err:
        check_tendering_period(
            plan, ABOVE, tender_notice_at=NOTICE, tender_end=NOTICE + timedelta(days=25, seconds=-1)
        )
    assert err.value.status == 422
    assert "s.54" in err.value.section
    assert "25 days" in err.value.detail
