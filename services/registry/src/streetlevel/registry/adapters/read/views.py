"""Row → JSON views of an enterprise: the public record and the full one (private fields)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from streetlevel.registry.adapters.enterprise_repository import as_utc
from streetlevel.registry.domain.model import PRIVATE_ADDRESS_FORMS, LegalForm, size_for


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``."""
    return as_utc(value).isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _service(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": raw["name"],
        "description": raw.get("description"),
        "themes": raw.get("themes", []),
        "areas": raw.get("areas", []),
    }


def public_view(row: Any) -> dict[str, Any]:
    """The open record: no contact, no turnover, no private address (as events carry it)."""
    address_is_private = LegalForm(row.legal_form) in PRIVATE_ADDRESS_FORMS
    return {
        "id": str(row.id),
        "identifier": {"scheme": row.identifier_scheme, "id": row.identifier_id}
        if row.identifier_scheme
        else None,
        "name": row.name,
        "legal_form": row.legal_form,
        "status": row.status,
        "mission": row.mission,
        "themes": list(row.themes),
        "areas_served": list(row.areas_served),
        "website": row.website,
        "employees": row.employees,
        "size": size_for(row.employees),
        "trading_income_pct": row.trading_income_pct,
        "profit_reinvested_pct": row.profit_reinvested_pct,
        "asset_lock": row.asset_lock,
        "independent": row.independent,
        "publishes_social_report": row.publishes_social_report,
        "accreditations": list(row.accreditations),
        "services": [_service(s) for s in row.services],
        "founded_on": _day(row.founded_on),
        "address": None if address_is_private else row.address,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "version": row.version,
    }


def full_view(row: Any) -> dict[str, Any]:
    """The public record plus the private fields, for the enterprise itself and the registrar."""
    view = public_view(row)
    turnover = row.annual_turnover
    view.update(
        {
            "address": row.address,
            "contact": row.contact,
            "annual_turnover": {"amount": f"{turnover:.2f}", "currency": "GBP"}
            if turnover is not None
            else None,
            "registered_by_client": row.registered_by_client,
            "registered_by_org": row.registered_by_org,
        }
    )
    return view


#: The columns ``public_view`` reads: a public list selects these and no private one.
PUBLIC_COLUMNS = (
    "id",
    "identifier_scheme",
    "identifier_id",
    "name",
    "legal_form",
    "status",
    "mission",
    "themes",
    "areas_served",
    "website",
    "employees",
    "trading_income_pct",
    "profit_reinvested_pct",
    "asset_lock",
    "independent",
    "publishes_social_report",
    "accreditations",
    "services",
    "founded_on",
    "address",
    "created_at",
    "updated_at",
    "version",
)
#: The columns ``full_view`` reads.
FULL_COLUMNS = (
    *PUBLIC_COLUMNS,
    "contact",
    "annual_turnover",
    "registered_by_client",
    "registered_by_org",
)
