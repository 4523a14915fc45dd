"""The default indicator catalogue, written for Street Level (not a licensed value bank).

Proxy values are illustrative round figures chosen for this platform and say so in their
source; councils that need evidenced values add their own indicators. Themes are the registry's
codes (``/v1/themes``); a contract test checks them against the registry's list.
"""

from __future__ import annotations

from decimal import Decimal

from streetlevel.outcomes.domain.values import IndicatorData, ProxyValue

SOURCE = "Street Level illustrative value, 2026"


def _proxy(amount: str) -> ProxyValue:
    return ProxyValue(amount=Decimal(amount), currency="GBP", source=SOURCE, year=2026)


def _people(
    code: str, name: str, description: str, themes: list[str], **extra: object
) -> IndicatorData:
    return IndicatorData.model_validate(
        {
            "code": code,
            "name": name,
            "description": description,
            "unit": "people",
            "themes": themes,
            "sensitive": True,
            "kind": "outcome",
            **extra,
        }
    )


DEFAULT_CATALOGUE: tuple[IndicatorData, ...] = (
    # Jobs
    _people(
        "jobs.local_hires",
        "Local residents hired",
        "Residents of the contract's areas who started paid work of at least 16 hours a week.",
        ["employment-skills"],
        proxy_value=_proxy("3500.00"),
    ),
    _people(
        "jobs.sustained_6m",
        "Jobs sustained for six months",
        "People helped into work who were still in work six months later.",
        ["employment-skills"],
        proxy_value=_proxy("6000.00"),
    ),
    _people(
        "jobs.long_term_unemployed",
        "Long-term unemployed into work",
        "People out of work for a year or more who started paid work.",
        ["employment-skills"],
        proxy_value=_proxy("8000.00"),
    ),
    IndicatorData(
        code="jobs.apprenticeship_weeks",
        name="Apprenticeship weeks",
        description="Weeks of apprenticeship delivered on the contract.",
        kind="output",
        unit="count",
        themes=["employment-skills", "youth"],
    ),
    # Skills
    _people(
        "skills.qualifications",
        "Accredited qualifications gained",
        "People who gained an accredited qualification through the service.",
        ["employment-skills"],
        proxy_value=_proxy("1200.00"),
    ),
    IndicatorData(
        code="skills.training_hours",
        name="Training hours delivered",
        description="Hours of training delivered to participants.",
        kind="output",
        unit="hours",
        themes=["employment-skills"],
    ),
    _people(
        "skills.digital_confidence",
        "People more confident online",
        "Participants reporting they can do essential digital tasks they could not do before.",
        ["digital-inclusion", "employment-skills"],
        proxy_value=_proxy("300.00"),
    ),
    # Health and wellbeing
    _people(
        "health.wellbeing_improved",
        "Improved wellbeing",
        "Participants whose wellbeing score improved meaningfully between two measurements.",
        ["health-wellbeing"],
        proxy_value=_proxy("1500.00"),
    ),
    _people(
        "health.loneliness_reduced",
        "Less lonely",
        "Participants reporting they feel lonely less often than before.",
        ["health-wellbeing", "older-people"],
        proxy_value=_proxy("900.00"),
    ),
    _people(
        "health.physically_active",
        "More physically active",
        "Participants newly meeting the recommended weekly physical activity.",
        ["health-wellbeing"],
        proxy_value=_proxy("800.00"),
    ),
    IndicatorData(
        code="health.sessions_delivered",
        name="Support sessions delivered",
        description="One-to-one or group support sessions delivered.",
        kind="output",
        unit="count",
        themes=["health-wellbeing"],
    ),
    _people(
        "health.people_supported",
        "People supported",
        "Distinct people who received support.",
        ["health-wellbeing"],
        kind="output",
    ),
    # Environment
    IndicatorData(
        code="env.co2e_avoided",
        name="Carbon emissions avoided",
        description="Tonnes of CO2 equivalent avoided, by a stated method.",
        kind="outcome",
        unit="tonnes_co2e",
        direction="increase",
        themes=["environment"],
        proxy_value=_proxy("250.00"),
    ),
    IndicatorData(
        code="env.waste_diverted",
        name="Waste diverted from landfill",
        description="Tonnes (as CO2 equivalent) of waste reused or recycled instead of landfilled.",
        kind="outcome",
        unit="tonnes_co2e",
        themes=["environment"],
        proxy_value=_proxy("90.00"),
    ),
    IndicatorData(
        code="env.homes_insulated",
        name="Homes insulated",
        description="Homes that received insulation or draught-proofing.",
        kind="output",
        unit="count",
        themes=["environment", "housing"],
    ),
    _people(
        "env.fuel_poverty_relieved",
        "Households out of fuel poverty",
        "Households helped out of fuel poverty by advice or measures.",
        ["environment", "housing", "financial-inclusion"],
        proxy_value=_proxy("1000.00"),
    ),
    # Community
    IndicatorData(
        code="community.volunteer_hours",
        name="Volunteer hours",
        description="Hours given by local volunteers.",
        kind="output",
        unit="hours",
        themes=["community-cohesion"],
        proxy_value=_proxy("12.00"),
    ),
    _people(
        "community.new_volunteers",
        "New volunteers",
        "Local residents who started volunteering.",
        ["community-cohesion"],
        proxy_value=_proxy("500.00"),
    ),
    IndicatorData(
        code="community.spend_local",
        name="Spend with local suppliers",
        description="Money spent with suppliers based in the contract's areas.",
        kind="output",
        unit="gbp",
        themes=["community-cohesion"],
    ),
    IndicatorData(
        code="community.satisfaction",
        name="Residents satisfied with their area",
        description="Percentage of surveyed residents satisfied with their neighbourhood.",
        kind="outcome",
        unit="percent",
        themes=["community-cohesion"],
    ),
    _people(
        "community.debt_advice",
        "People helped with debt",
        "People whose debts became manageable after advice.",
        ["financial-inclusion"],
        proxy_value=_proxy("1100.00"),
    ),
)
