"""Jinja2 environment: autoescaping on for every template, GOV.UK-style number and date formats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"

LEGAL_FORMS = {
    "cic_limited_by_guarantee": "Community interest company (limited by guarantee)",
    "cic_limited_by_shares": "Community interest company (limited by shares)",
    "charitable_incorporated_organisation": "Charitable incorporated organisation",
    "charitable_company": "Charitable company",
    "company_limited_by_guarantee": "Company limited by guarantee",
    "company_limited_by_shares": "Company limited by shares",
    "community_benefit_society": "Community benefit society",
    "cooperative_society": "Co-operative society",
    "unincorporated_association": "Unincorporated association",
    "sole_trader": "Sole trader",
    "partnership": "Partnership",
}
AREA_TYPES = {"county": "county", "lad": "district", "ward": "ward", "lsoa": "neighbourhood (LSOA)"}
VERDICTS = {"met": "Met", "not_met": "Not met", "unknown": "Not known"}
PROCEDURES = {
    "open": "Open",
    "micro_grant": "Micro grant",
    "selective": "Selective",
    "competitive_flexible": "Competitive flexible",
    "direct_award": "Direct award",
    "grant": "Grant",
}
CRITERIA = {"price": "Price", "quality": "Quality", "social_value": "Social value"}
#: The Procurement Act 2023 routing in plain words (the service's own reason is shown beside it).
CLASSIFICATIONS = {
    "above_threshold": "Above the threshold: the full rules of the Act apply",
    "regulated_below_threshold": "Below the threshold: the lighter rules of the Act for smaller "
    "contracts apply",
    "not_regulated": "Outside the rules of the Act for competition and notices",
}
PROCEDURE_KINDS = {
    "open": "Open procedure: any eligible organisation may bid in one stage",
    "competitive_flexible": "Competitive flexible procedure: the council sets the stages",
    "direct_award": "Direct award: the contract is given without a competition",
    "grant": "Grant: funding, not a contract bought under the Act",
}
STAGES = {
    "participation": "who may take part",
    "negotiation": "negotiation",
    "dialogue": "dialogue",
    "tender": "tenders",
    "presentation": "presentations",
}
CONTRACT_KINDS = {
    "goods": "Goods",
    "services": "Services",
    "light_touch": "Light-touch services (such as health, social and community services)",
    "works": "Works",
}
GRANT_STATUSES = {"awarded": "Awarded", "paid": "Paid", "reported": "End report received"}
PAYABLE_STATUSES = {"due": "Due", "disputed": "Disputed", "paid": "Paid", "late": "Late"}
PAYMENT_MODELS = {
    "fixed": "a fixed price on a schedule",
    "blended": "partly a fixed price on a schedule, partly by outcomes",
    "outcomes": "by outcomes achieved, at a price per outcome",
}
NOTICES = {
    "UK2": "preliminary market engagement notice",
    "UK3": "planned procurement notice",
    "UK4": "tender notice",
    "UK5": "transparency notice",
    "UK6": "contract award notice",
    "UK7": "contract details notice",
    "UK10": "contract change notice",
    "UK11": "contract termination notice",
    "UK12": "procurement termination notice",
}


def money(value: Any) -> str:
    """``{"amount": "5000.00", "currency": "GBP"}`` → ``£5,000.00`` (the amount as published)."""
    if not isinstance(value, dict) or value.get("amount") is None:
        return "not stated"
    try:
        amount = Decimal(str(value["amount"]))
    except InvalidOperation:
        return str(value["amount"])
    symbol = "£" if value.get("currency", "GBP") == "GBP" else f"{value.get('currency')} "
    return f"{symbol}{amount:,.2f}"


def when(value: Any) -> str:
    """An RFC 3339 timestamp or ISO date as ``3 January 2027``."""
    if not value:
        return "not stated"
    text = str(value)
    try:
        parsed: date = (
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            if "T" in text
            else date.fromisoformat(text)
        )
    except ValueError:
        return text
    return f"{parsed.day} {parsed:%B %Y}"


def figure(value: Any) -> str:
    """A published figure ``{"value", "suppressed"}`` shown exactly as published."""
    if not isinstance(value, dict):
        return "none" if value is None else str(value)
    if value.get("suppressed"):
        return "withheld"
    return "none" if value.get("value") is None else str(value["value"])


def label(mapping: dict[str, str]) -> Any:
    return lambda code: mapping.get(str(code), str(code).replace("_", " "))


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # Every template is escaped, whatever its name: the site shows other people's words.
        autoescape=select_autoescape(default=True, default_for_string=True),
        # Optional API fields may be absent: an absent one renders as nothing, never a 500.
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        when=when,
        figure=figure,
        legal_form=label(LEGAL_FORMS),
        area_type=label(AREA_TYPES),
        verdict=label(VERDICTS),
        procedure=label(PROCEDURES),
        criterion=label(CRITERIA),
        classification=lambda c: CLASSIFICATIONS.get(str(c), "Not yet classified"),
        procedure_kind=label(PROCEDURE_KINDS),
        stage=label(STAGES),
        contract_kind=label(CONTRACT_KINDS),
        notice_type=label(NOTICES),
        grant_status=label(GRANT_STATUSES),
        payable_status=label(PAYABLE_STATUSES),
        payment_model=label(PAYMENT_MODELS),
    )
    return env
