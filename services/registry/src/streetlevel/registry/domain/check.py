"""The social enterprise check: each criterion met / not_met / unknown, with a reason."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from streetlevel.registry.domain.model import CIC_FORMS, EnterpriseDetails

Outcome = Literal["met", "not_met", "unknown"]
THRESHOLD_PCT = 50.0


class CheckCriterion(BaseModel):
    code: str
    name: str
    result: Outcome
    reason: str


class SocialEnterpriseCheck(BaseModel):
    result: Outcome
    criteria: list[CheckCriterion]


def _flag(
    code: str, name: str, value: bool | None, yes: str, no: str, missing: str
) -> CheckCriterion:
    if value is None:
        return CheckCriterion(code=code, name=name, result="unknown", reason=missing)
    return CheckCriterion(
        code=code, name=name, result="met" if value else "not_met", reason=yes if value else no
    )


def _share(code: str, name: str, value: float | None, what: str) -> CheckCriterion:
    if value is None:
        return CheckCriterion(code=code, name=name, result="unknown", reason=f"{what} not stated.")
    met = value >= THRESHOLD_PCT
    verdict = "at least" if met else "below"
    return CheckCriterion(
        code=code,
        name=name,
        result="met" if met else "not_met",
        reason=f"{what} is {value:g} %, {verdict} {THRESHOLD_PCT:g} %.",
    )


def check(details: EnterpriseDetails) -> SocialEnterpriseCheck:
    """Assess ``details`` against the usual UK social enterprise criteria."""
    mission = (details.mission or "").strip()
    criteria = [
        CheckCriterion(
            code="social_mission",
            name="Social or environmental mission",
            result="met" if mission else "unknown",
            reason="States a social or environmental mission." if mission else "No mission stated.",
        ),
        _flag(
            "independence",
            "Independent of the state",
            details.independent,
            "Not controlled by a public body.",
            "Controlled by a public body.",
            "Independence not stated.",
        ),
        _share(
            "trading_income",
            "At least 50 % of income from trading",
            details.trading_income_pct,
            "Income from trading",
        ),
        _share(
            "profits_to_purpose",
            "At least 50 % of profits to the social purpose",
            details.profit_reinvested_pct,
            "Share of profits reinvested in the purpose",
        ),
        _asset_lock(details),
        _flag(
            "social_reporting",
            "Reports on its social impact",
            details.publishes_social_report,
            "Publishes a social report.",
            "Does not publish a social report.",
            "Social reporting not stated.",
        ),
    ]
    results = {c.result for c in criteria}
    overall: Outcome = (
        "not_met" if "not_met" in results else "met" if results == {"met"} else "unknown"
    )
    return SocialEnterpriseCheck(result=overall, criteria=criteria)


def _asset_lock(details: EnterpriseDetails) -> CheckCriterion:
    name = "Asset lock"
    if details.legal_form in CIC_FORMS:
        return CheckCriterion(
            code="asset_lock",
            name=name,
            result="met",
            reason="A community interest company has a statutory asset lock.",
        )
    return _flag(
        "asset_lock",
        name,
        details.asset_lock,
        "Has an asset lock in its governing document.",
        "Has no asset lock.",
        "Asset lock not stated.",
    )
