"""The Act's notices a council's cycle needs, what each must carry, and which may follow which."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from streetlevel.commissioning.domain.procurement.errors import (
    NoticeOutOfOrder,
    ProcurementRuleBroken,
)
from streetlevel.commissioning.domain.procurement.procedures import ProcedureKind
from streetlevel.commissioning.domain.procurement.thresholds import Routing
from streetlevel.commissioning.domain.procurement.working_days import Standstill

NoticeType = Literal["UK2", "UK3", "UK4", "UK5", "UK6", "UK7", "UK10", "UK11", "UK12"]
_COMMON = ("contracting_authority", "procurement_id", "title", "description", "cpv_codes")


@dataclass(frozen=True)
class NoticeSpec:
    """A notice type: its name, the section requiring it and the fields it must carry."""

    code: NoticeType
    name: str
    section: str
    fields: tuple[str, ...]
    #: Fields required only of a public contract (above threshold), not under Part 6.
    covered_fields: tuple[str, ...] = ()

    def required(self, covered: bool) -> tuple[str, ...]:
        return (*_COMMON, *self.fields, *(self.covered_fields if covered else ()))


def _spec(code: NoticeType, name: str, section: str, fields: str, covered: str = "") -> NoticeSpec:
    return NoticeSpec(code, name, section, tuple(fields.split()), tuple(covered.split()))


#: Fields as the Cabinet Office guidance on each notice lists them (Regulations 2024 content).
NOTICES: dict[NoticeType, NoticeSpec] = {
    s.code: s
    for s in (
        _spec("UK2", "Preliminary market engagement notice", "s.17", "engagement_description"),
        _spec(
            "UK3",
            "Planned procurement notice",
            "s.15",
            "estimated_value estimated_tender_notice_date",
        ),
        _spec(
            "UK4",
            "Tender notice",
            "s.21; s.87 (below-threshold tender notice)",
            "estimated_value lots procedure award_criteria tender_deadline sme_suitable "
            "vcse_suitable",
            "enquiry_deadline reservations conditions_of_participation",
        ),
        _spec(
            "UK5",
            "Transparency notice",
            "s.44; Regulation 26",
            "supplier direct_award_ground justification estimated_value contract_period",
        ),
        _spec(
            "UK6",
            "Contract award notice",
            "s.50; Regulations 27-30",
            "lots suppliers contract_value contract_period award_decision_date standstill_end",
        ),
        _spec(
            "UK7",
            "Contract details notice",
            "s.53; s.87(3); Regulations 32-35",
            "supplier contract_value contract_period date_entered_into",
            "kpis_or_reason conflicts_assessment_confirmed",
        ),
        _spec(
            "UK10",
            "Contract change notice",
            "s.75",
            "contract_id change_description value_change reason",
        ),
        _spec("UK11", "Contract termination notice", "s.80", "contract_id termination_date reason"),
        _spec("UK12", "Procurement termination notice", "s.55", "reason"),
    )
}

_TERMINAL: frozenset[str] = frozenset({"UK11", "UK12"})
_COMPETITIVE: dict[str, frozenset[str]] = {
    "start": frozenset({"UK2", "UK3", "UK4"}),
    "UK2": frozenset({"UK3", "UK4"}),
    "UK3": frozenset({"UK4"}),
    "UK4": frozenset({"UK5", "UK6", "UK12"}),
    "UK5": frozenset({"UK6", "UK12"}),
    "UK6": frozenset({"UK7", "UK12"}),
    "UK7": frozenset({"UK10", "UK11"}),
    "UK10": frozenset({"UK10", "UK11"}),
}
_DIRECT: dict[str, frozenset[str]] = {
    **_COMPETITIVE,
    "start": frozenset({"UK2", "UK5"}),
    "UK2": frozenset({"UK5"}),
}
#: Part 6: a below-threshold tender notice only if the council advertises, then UK7 (s.87);
#: a UK10 only once a change makes it a convertible contract (s.74(1), s.75).
_BELOW: dict[str, frozenset[str]] = {
    "start": frozenset({"UK4", "UK7"}),
    "UK4": frozenset({"UK7"}),
    "UK7": frozenset({"UK10"}),
    "UK10": frozenset({"UK10"}),
}


def sequence(routing: Routing, procedure: ProcedureKind) -> dict[str, frozenset[str]]:
    """The notice state machine for a commission's classification and procedure."""
    if routing.covered:
        return _DIRECT if procedure == "direct_award" else _COMPETITIVE
    if routing.notifiable:
        return _BELOW
    return {"start": frozenset()}


@dataclass
class NoticeLog:
    """The notices a commission has published, in order; refuses any out of sequence."""

    routing: Routing
    procedure: ProcedureKind
    published: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        return str(self.published[-1]["code"]) if self.published else "start"

    def allowed_next(self) -> frozenset[str]:
        return sequence(self.routing, self.procedure).get(self.state, frozenset())

    def publish(
        self,
        code: NoticeType,
        fields: Mapping[str, Any],
        *,
        now: datetime,
        summaries_sent: bool = False,
        standstill: Standstill | None = None,
    ) -> dict[str, Any]:
        """Append a notice after checking its place in the sequence and its required fields."""
        spec = NOTICES[code]
        allowed = self.allowed_next()
        if code not in allowed:
            if not allowed and self.state == "start":
                why = f"no Act notices apply: {self.routing.reason}"
            elif self.state in _TERMINAL:
                why = f"the procurement ended with {self.state}"
            else:
                codes = ", ".join(sorted(allowed, key=lambda c: int(c[2:])))
                why = f"after {self.state} only {codes} may follow"
            raise NoticeOutOfOrder(f"{code} cannot be published: {why}.", section=spec.section)
        required = spec.required(self.routing.covered)
        missing = [f for f in required if f not in fields or fields[f] in (None, "", [])]
        if missing:
            raise ProcurementRuleBroken(
                f"The {spec.name} lacks {', '.join(missing)}.",
                rule="notice_incomplete",
                section=spec.section,
                loc=["notice", code],
            )
        if code == "UK6" and not summaries_sent:
            raise ProcurementRuleBroken(
                "Assessment summaries go to every bidder before the contract award notice.",
                rule="summaries_not_sent",
                section="Procurement Act 2023, s.50(3)",
            )
        if code == "UK7" and standstill is not None and not standstill.may_enter_contract(now):
            raise NoticeOutOfOrder(
                f"The contract cannot be entered into before the standstill ends "
                f"({standstill.ends_at.isoformat() if standstill.ends_at else ''}).",
                section="Procurement Act 2023, s.51",
            )
        notice = {"code": code, "published_at": now, "fields": dict(fields)}
        self.published.append(notice)
        return notice
