"""Awarded grants as a 360Giving Data Standard 1.4 package (open data: no personal data)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.domain.commission import iso
from streetlevel.commissioning.domain.grants import Grant, GrantProgramme
from streetlevel.common.areas import AreaIndex

PREFIX = "360G-streetlevel"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
#: Legal forms whose address is a person's home: never published (as in the registry).
PRIVATE_ADDRESS_FORMS = frozenset({"sole_trader", "partnership", "unincorporated_association"})
_CHARITY_SCHEMES = frozenset({"GB-CHC", "GB-SC", "GB-NIC"})
#: 360Giving's geoCodeType codelist, by the GSS code's entity prefix.
_GEO_TYPES = {"E05": "WD", "W05": "WD", "E06": "UA", "W06": "UA", "E07": "NMD", "E08": "MD"}
_GEO_TYPES |= {"E09": "LONB", "E10": "CTY"}


def grant_identifier(grant_id: str) -> str:
    return f"{PREFIX}-{grant_id}"


def _recipient(grant: Grant, record: EnterpriseRecord | None) -> dict[str, Any]:
    ident = record.identifier if record else None
    org: dict[str, Any] = {
        # An org-id where the registry holds one; else the platform's own, as 360Giving allows.
        "id": f"{ident.scheme}-{ident.id}" if ident else f"{PREFIX}-org-{grant.recipient_id}",
        "name": grant.recipient_name,
    }
    if ident and ident.scheme in _CHARITY_SCHEMES:
        org["charityNumber"] = ident.id
    if ident and ident.scheme == "GB-COH":
        org["companyNumber"] = ident.id
    form = record.legal_form if record else None
    address = record.address if record else None
    if address and form is not None and form not in PRIVATE_ADDRESS_FORMS:
        if address.get("town"):
            org["addressLocality"] = str(address["town"])
        if address.get("postcode"):
            org["postalCode"] = str(address["postcode"])
        org["addressCountry"] = "United Kingdom"
    if form:
        org["organisationType"] = form
    return org


def _location(code: str, areas: AreaIndex) -> dict[str, Any]:
    area = areas.get(code)
    loc: dict[str, Any] = {"geoCode": code, "countryCode": "GB"}
    if area is not None:
        loc["name"] = area.name
    if code[:3] in _GEO_TYPES:
        loc["geoCodeType"] = _GEO_TYPES[code[:3]]
    return loc


def grant_360(
    grant: Grant,
    programme: GrantProgramme | None,
    record: EnterpriseRecord | None,
    areas: AreaIndex,
    base_url: str,
) -> dict[str, Any]:
    assert grant.awarded_on is not None
    assert grant.updated_at is not None
    out: dict[str, Any] = {
        "id": grant_identifier(grant.id),
        "title": f"{grant.title}: {grant.recipient_name}",
        "description": grant.purpose,
        "currency": "GBP",
        "amountAwarded": float(grant.amount),
        "awardDate": grant.awarded_on.isoformat(),
        "url": f"{base_url.rstrip('/')}/v1/grants/{grant.id}",
        "recipientOrganization": [_recipient(grant, record)],
        "fundingOrganization": [{"id": grant.council_id, "name": grant.council_name}],
        "beneficiaryLocation": [_location(code, areas) for code in grant.areas],
        "fromOpenCall": "Yes",
        "dateModified": iso(grant.updated_at),
        "dataSource": f"{base_url.rstrip('/')}/v1/grants/360giving",
    }
    # What the payables ledger has paid on the grant (its basis ``grant`` payables).
    paid = sum((p.amount for p in grant.payables if p.status == "paid"), Decimal(0))
    if paid:
        out["amountDisbursed"] = float(paid)
    out["plannedDates"] = [
        {
            "startDate": grant.instalments[0].due_on.isoformat(),
            "endDate": grant.instalments[-1].due_on.isoformat(),
        }
    ]
    if programme is not None:
        out["grantProgramme"] = [
            {
                "code": f"{PREFIX}-programme-{programme.id}",
                "title": programme.title,
                "url": f"{base_url.rstrip('/')}/v1/grant-programmes/{programme.id}",
            }
        ]
    return out


def package(
    grants: list[dict[str, Any]], *, base_url: str, publisher: str, modified: datetime | None
) -> dict[str, Any]:
    """A 360Giving package, dated by its newest change (so the same data is the same bytes)."""
    out: dict[str, Any] = {
        "grants": grants,
        "version": "1.4",
        "title": "Street Level ward micro-grants",
        "identifier": f"{PREFIX}-grants",
        "publisher": {"identifier": PREFIX, "name": publisher, "website": base_url},
        "license": LICENSE,
    }
    if modified is not None:
        out["issued"] = out["modified"] = iso(modified)
    return out
