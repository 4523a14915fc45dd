"""Building blocks of notice releases: values, dates, parties, CPV items, lots and criteria."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

PROCUREMENT_METHOD = {
    "open": "open",
    "competitive_flexible": "selective",
    "selective": "selective",
    "direct_award": "direct",
    "micro_grant": "direct",
}
CRITERION_TYPE = {"price": "price", "cost": "cost"}


def notice_release_id(ocid: str, notice_id: str) -> str:
    """One release per notice, named after its contracting process."""
    return f"{ocid}-notice-{notice_id}"


def ocds_value(money: Any) -> dict[str, Any] | None:
    if not isinstance(money, Mapping) or money.get("amount") in (None, ""):
        return None
    return {
        "amount": float(Decimal(str(money["amount"]))),
        "currency": money.get("currency", "GBP"),
    }


def rfc3339(value: Any) -> str | None:
    """A date or timestamp as RFC 3339 (a bare date is taken as its start, UTC)."""
    if value in (None, ""):
        return None
    text = str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


def ocds_period(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    period = {
        "startDate": rfc3339(value.get("start") or value.get("startDate")),
        "endDate": rfc3339(value.get("end") or value.get("endDate")),
    }
    return {k: v for k, v in period.items() if v} or None


def party_id(org: Mapping[str, Any]) -> str:
    """``<scheme>-<id>`` (org-id.guide style, e.g. ``GB-PPON-PBHM-7586-PWLP``), else the name."""
    ident = org.get("identifier") or {}
    if ident.get("scheme") and ident.get("id"):
        return f"{ident['scheme']}-{ident['id']}"
    return str(org.get("id") or org.get("name") or "unknown")


def organization(org: Mapping[str, Any], roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {"id": party_id(org), "name": org.get("name", ""), "roles": roles}
    ident = org.get("identifier") or {}
    if ident.get("scheme") and ident.get("id"):
        party["identifier"] = {
            "scheme": ident["scheme"],
            "id": str(ident["id"]),
            "legalName": org.get("name", ""),
        }
    # The UK extension's ``details.vcse``; ``details.scale`` needs the EU profile, not declared.
    details = {k: org[k] for k in ("vcse",) if isinstance(org.get(k), bool)}
    if details:
        party["details"] = details
    return party


def add_party(parties: list[dict[str, Any]], org: Mapping[str, Any], role: str) -> dict[str, Any]:
    """Adds ``org`` with ``role`` (once per id); returns its OrganizationReference."""
    party = organization(org, [role])
    for existing in parties:
        if existing["id"] == party["id"]:
            if role not in existing["roles"]:
                existing["roles"].append(role)
            break
    else:
        parties.append(party)
    return {"id": party["id"], "name": party["name"]}


def cpv(code: str) -> dict[str, Any]:
    """A CPV code ("85300000-2") as a Classification; the id drops the check digit as FTS does."""
    return {"scheme": "CPV", "id": code.split("-")[0]}


def cpv_items(fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    codes = [str(c) for c in fields.get("cpv_codes") or []]
    if not codes:
        return []
    lots = [lot for lot in fields.get("lots") or [] if isinstance(lot, Mapping)]
    scopes = [(str(lot["id"]), str(lot.get("title") or lot["id"])) for lot in lots] or [
        ("", str(fields.get("title", "")))
    ]
    items = []
    for lot_id, title in scopes:
        item: dict[str, Any] = {
            "id": lot_id or "1",
            "description": title,
            "classification": cpv(codes[0]),
        }
        if codes[1:]:
            item["additionalClassifications"] = [cpv(c) for c in codes[1:]]
        if lot_id:
            item["relatedLot"] = lot_id
        items.append(item)
    return items


def award_criteria(criteria: Any) -> dict[str, Any] | None:
    rows = [c for c in criteria or [] if isinstance(c, Mapping)]
    if not rows:
        return None
    return {
        "criteria": [
            {
                "type": CRITERION_TYPE.get(str(c.get("name")), "quality"),
                "name": str(c.get("name", "")).replace("_", " "),
                "description": str(c.get("description") or c.get("name", "")).replace("_", " "),
                "numbers": [{"number": float(c["weight"]), "weight": "percentageExact"}],
            }
            for c in rows
            if c.get("weight") is not None
        ]
    }


def ocds_lots(fields: Mapping[str, Any], status: str) -> list[dict[str, Any]]:
    lots = []
    suitability = suitability_of(fields)
    criteria = award_criteria(fields.get("award_criteria"))
    for lot in fields.get("lots") or []:
        if not isinstance(lot, Mapping):
            continue
        entry: dict[str, Any] = {
            "id": str(lot["id"]),
            "title": str(lot.get("title") or lot["id"]),
            "status": status,
        }
        if lot.get("description"):
            entry["description"] = str(lot["description"])
        value = ocds_value(lot.get("value"))
        if value:
            entry["value"] = value
        if criteria:
            entry["awardCriteria"] = criteria
        if suitability:
            entry["suitability"] = suitability
        lots.append(entry)
    return lots


def suitability_of(fields: Mapping[str, Any]) -> dict[str, bool]:
    return {
        key: fields[name]
        for key, name in (("sme", "sme_suitable"), ("vcse", "vcse_suitable"))
        if isinstance(fields.get(name), bool)
    }


def add_subcontracting(
    award: dict[str, Any], parties: list[dict[str, Any]], subcontractors: Any
) -> None:
    """A consortium's members as subcontractor parties and the award's subcontracts."""
    if not isinstance(subcontractors, list) or not subcontractors or not award.get("suppliers"):
        return
    refs = [
        add_party(parties, m, "subcontractor") for m in subcontractors if isinstance(m, Mapping)
    ]
    award["hasSubcontracting"] = True
    award["subcontracting"] = {
        "subcontracts": [
            {
                "id": f"{award['id']}:{ref['id']}",
                "subcontractor": ref,
                "mainContractors": award["suppliers"],
            }
            for ref in refs
        ]
    }
