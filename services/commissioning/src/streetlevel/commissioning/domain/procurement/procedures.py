"""Award procedures allowed per classification, and their minimum periods (ss.20, 41-44, 54, 85)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from streetlevel.commissioning.domain.procurement.errors import (
    PeriodTooShort,
    ProcurementRuleBroken,
)
from streetlevel.commissioning.domain.procurement.sources import ACT_S41_44, ACT_S54, ACT_S84_85
from streetlevel.commissioning.domain.procurement.thresholds import Routing, threshold

ProcedureKind = Literal["open", "competitive_flexible", "direct_award", "grant"]
Stage = Literal["participation", "negotiation", "dialogue", "tender", "presentation"]

#: Schedule 5 justifications a council is likely to rely on (s.41), with the paragraph where the
#: Cabinet Office guidance or the Act's text names it; the code is published in the UK5 notice.
DIRECT_AWARD_GROUNDS: dict[str, str] = {
    "prototypes_and_development": "Schedule 5 (prototypes and development)",
    "single_supplier": "Schedule 5 (single suppliers: artistic, no competition, exclusive rights)",
    "additional_or_repeat": "Schedule 5 (additional or repeat goods, services or works)",
    "commodities": "Schedule 5 (commodities)",
    "advantageous_terms_on_insolvency": "Schedule 5 (advantageous terms on insolvency)",
    "extreme_urgency": "Schedule 5 para 13 (extreme and unavoidable urgency)",
    "protect_life": "Schedule 5 (protecting life)",
    "user_choice": "Schedule 5 para 15 (user choice contracts)",
    "no_suitable_tenders": "s.43 (switching to direct award: no suitable requests or tenders)",
}


@dataclass(frozen=True)
class ProcedurePlan:
    """How a council means to award a commission, declared before the first notice."""

    kind: ProcedureKind
    stages: tuple[Stage, ...] = ()
    separate_selection_stage: bool = False
    direct_award_ground: str | None = None
    justification: str = ""
    urgency: bool = False
    planned_procurement_notice_at: datetime | None = None


@dataclass(frozen=True)
class MinimumPeriods:
    """Minimum periods in calendar days; deployments may lengthen them, never shorten below law."""

    #: s.54: 25 days where tenders are submitted electronically with every document at the start
    #: (the platform always does both), for the open procedure and each CFP tendering round.
    open_tendering: int = 25
    cfp_participation: int = 25
    cfp_tendering: int = 25
    #: s.54: 10 days after a qualifying UK3 planned procurement notice, or in a state of urgency.
    reduced_tendering: int = 10
    qppn_min_days_before: int = 40
    qppn_max_days_before: int = 365
    #: Part 6 sets no minimum below threshold, only a reasonable period: platform policy.
    below_threshold_tendering: int = 10


DEFAULT_PERIODS = MinimumPeriods()


def _refuse(detail: str, rule: str, section: str) -> ProcurementRuleBroken:
    return ProcurementRuleBroken(detail, rule=rule, section=section, loc=["procedure"])


def check_procedure(plan: ProcedurePlan, routing: Routing) -> None:
    """Refuse a procedure the commission's classification does not allow, with the section."""
    if plan.kind == "grant":
        if not routing.outside_act:
            raise _refuse(
                "Only a grant outside the Act may be awarded as a grant; this commission is a "
                "contract.",
                "not_a_grant",
                "Procurement Act 2023, s.3(2)",
            )
        return
    if plan.kind == "competitive_flexible":
        if not plan.stages or plan.stages[-1] != "tender":
            raise _refuse(
                "A competitive flexible procedure declares its stages up front in the tender "
                "notice and ends with a tender stage.",
                "stages_undeclared",
                "Procurement Act 2023, ss.20-21",
            )
        if len(set(plan.stages)) != len(plan.stages):
            raise _refuse("Each stage is declared once.", "stages_repeated", "s.20")
    if plan.kind == "direct_award" and routing.covered:
        if plan.direct_award_ground not in DIRECT_AWARD_GROUNDS:
            raise _refuse(
                "A direct award of a public contract needs one of the justifications in "
                f"Schedule 5 or s.43: {', '.join(sorted(DIRECT_AWARD_GROUNDS))}.",
                "direct_award_unjustified",
                ACT_S41_44.cite(),
            )
        if not plan.justification.strip():
            raise _refuse(
                "A direct award must state why the ground applies; it is published in the UK5 "
                "transparency notice.",
                "direct_award_unjustified",
                ACT_S41_44.cite(),
            )
    selection = plan.separate_selection_stage or "participation" in plan.stages
    if selection and routing.part6_procedure_applies:
        works_floor = threshold(
            "s85_works_selection", started_on=routing.started_on, nation="england"
        )
        if not (routing.kind == "works" and routing.value_incl_vat.amount >= works_floor.amount):
            raise _refuse(
                "Below threshold a council may not restrict who may tender by an assessment of "
                "suitability: assess it with the tenders, not in a separate selection stage.",
                "no_selection_stage_below_threshold",
                ACT_S84_85.cite(),
            )


def min_tendering_days(
    plan: ProcedurePlan,
    routing: Routing,
    *,
    tender_notice_at: datetime,
    periods: MinimumPeriods = DEFAULT_PERIODS,
) -> int:
    """The shortest tendering period allowed for this plan (0 where none is tendered)."""
    if plan.kind in ("direct_award", "grant"):
        return 0
    if not routing.covered:
        return periods.below_threshold_tendering
    normal = periods.open_tendering if plan.kind == "open" else periods.cfp_tendering
    if plan.urgency:
        return min(normal, periods.reduced_tendering)
    qppn = plan.planned_procurement_notice_at
    if qppn is not None:
        ahead = tender_notice_at - qppn
        if (
            timedelta(days=periods.qppn_min_days_before)
            <= ahead
            <= timedelta(days=periods.qppn_max_days_before)
        ):
            return min(normal, periods.reduced_tendering)
    return normal


def check_tendering_period(
    plan: ProcedurePlan,
    routing: Routing,
    *,
    tender_notice_at: datetime,
    tender_end: datetime,
    periods: MinimumPeriods = DEFAULT_PERIODS,
) -> None:
    """Refuse a tender deadline earlier than the minimum period after the tender notice."""
    days = min_tendering_days(plan, routing, tender_notice_at=tender_notice_at, periods=periods)
    if tender_end - tender_notice_at < timedelta(days=days):
        raise PeriodTooShort(
            f"Tenders must stay open at least {days} days after the tender notice "
            f"({routing.classification}, {plan.kind}).",
            rule="tendering_period_too_short",
            section=ACT_S54.cite()
            if routing.covered
            else "Procurement Act 2023, Part 6 (platform policy)",
            loc=["timeline", "tender_end"],
        )
