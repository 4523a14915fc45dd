"""Who may bid: eligibility rules checked against the registry's public record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.domain.values import SIZE_ORDER, Eligibility
from streetlevel.common.areas import AreaIndex

CIC_FORMS = frozenset({"cic_limited_by_guarantee", "cic_limited_by_shares"})


@dataclass(frozen=True)
class Applicant:
    """The facts eligibility needs about an enterprise (from the registry's events)."""

    id: str
    name: str
    status: str
    legal_form: str | None = None
    size: str | None = None
    areas_served: tuple[str, ...] = ()
    mission: str | None = None
    independent: bool | None = None
    trading_income_pct: Decimal | None = None
    profit_reinvested_pct: Decimal | None = None
    asset_lock: bool | None = None
    publishes_social_report: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def social_enterprise_criteria(a: Applicant) -> list[tuple[str, str, str]]:
    """Each criterion as ``(code, met|not_met|unknown, reason)``, as the registry computes it."""

    def pct(value: Decimal | None, name: str, what: str) -> tuple[str, str, str]:
        if value is None:
            return (name, "unknown", f"{what} not stated")
        if value >= 50:
            return (name, "met", f"{what} is {value} %")
        return (name, "not_met", f"{what} is {value} %, below 50 %")

    def flag(value: bool | None, name: str, yes: str, no: str) -> tuple[str, str, str]:
        if value is None:
            return (name, "unknown", f"{name.replace('_', ' ')} not stated")
        return (name, "met", yes) if value else (name, "not_met", no)

    mission = (
        ("social_mission", "met", "states a social or environmental mission")
        if a.mission and a.mission.strip()
        else ("social_mission", "unknown", "no social or environmental mission stated")
    )
    if a.legal_form in CIC_FORMS:
        lock = ("asset_lock", "met", "statutory asset lock of a CIC")
    else:
        lock = flag(a.asset_lock, "asset_lock", "has an asset lock", "has no asset lock")
    return [
        mission,
        flag(a.independent, "independence", "independent", "controlled by a public body"),
        pct(a.trading_income_pct, "trading_income", "income from trading"),
        pct(a.profit_reinvested_pct, "profits_to_purpose", "profit reinvested in the purpose"),
        lock,
        flag(
            a.publishes_social_report,
            "social_reporting",
            "publishes a social report",
            "publishes no social report",
        ),
    ]


def serves(areas: AreaIndex, served: Sequence[str], wanted: str) -> bool:
    """True when an area served covers ``wanted``, lies inside it, or is it (hierarchy)."""
    return any(areas.contains(s, wanted) or areas.contains(wanted, s) for s in served)


def unmet_rules(
    applicant: Applicant | None,
    rules: Eligibility,
    *,
    lot_areas: Sequence[str],
    areas: AreaIndex,
) -> list[dict[str, str]]:
    """Every unmet rule as ``{"rule", "reason"}`` (empty when eligible)."""
    if applicant is None:
        return [{"rule": "registered", "reason": "the enterprise is not on the register"}]
    unmet: list[dict[str, str]] = []
    if rules.verified_only and applicant.status != "verified":
        unmet.append({"rule": "verified", "reason": f"the enterprise is {applicant.status}"})
    elif applicant.status in ("suspended", "dissolved", "rejected"):
        unmet.append({"rule": "status", "reason": f"the enterprise is {applicant.status}"})
    if rules.legal_forms and applicant.legal_form not in rules.legal_forms:
        unmet.append(
            {
                "rule": "legal_form",
                "reason": f"{applicant.legal_form or 'no legal form'} is not one of "
                + ", ".join(rules.legal_forms),
            }
        )
    if rules.max_size is not None:
        size_rank = SIZE_ORDER.get(applicant.size or "", None)
        if size_rank is None or size_rank > SIZE_ORDER[rules.max_size]:
            unmet.append(
                {
                    "rule": "max_size",
                    "reason": f"size {applicant.size or 'unknown'} exceeds {rules.max_size}",
                }
            )
    if rules.must_serve_area:
        missing = [a for a in lot_areas if not serves(areas, applicant.areas_served, a)]
        if missing:
            unmet.append(
                {"rule": "must_serve_area", "reason": "does not serve " + ", ".join(missing)}
            )
    if rules.social_enterprise_only:
        for name, verdict, reason in social_enterprise_criteria(applicant):
            if verdict != "met":
                unmet.append({"rule": f"social_enterprise.{name}", "reason": reason})
    return unmet
