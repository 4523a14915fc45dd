"""A consortium contract in OCDS: the lead is the supplier, the members its subcontractors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.domain.contract import Contract

#: Builds a party from (enterprise id, name, register record, roles) (adapters/ocds.py).
PartyOf = Callable[[str, str, EnterpriseRecord | None, list[str]], dict[str, Any]]


def _proportion(pct: Decimal) -> float:
    """A percentage as the decimal proportion (0–1) the subcontracting extension asks for."""
    return float(pct / Decimal(100))


def add_subcontractors(
    c: Contract,
    award: dict[str, Any],
    parties: list[dict[str, Any]],
    *,
    supplier_ref: dict[str, str],
    enterprises: Mapping[str, EnterpriseRecord],
    party_of: PartyOf,
) -> None:
    """Name each member as a subcontractor party and the award's subcontracts (in place)."""
    terms = c.consortium
    if terms is None:
        return
    subcontracts = []
    for m in terms.members:
        party = party_of(
            m.enterprise_id, m.name, enterprises.get(m.enterprise_id), ["subcontractor"]
        )
        known = next((p for p in parties if p["id"] == party["id"]), None)
        if known is None:
            parties.append(party)
        elif "subcontractor" not in known["roles"]:
            known["roles"].append("subcontractor")
        subcontracts.append(
            {
                "id": f"{c.id}:{m.enterprise_id}",
                "subcontractor": {"id": party["id"], "name": m.name},
                "mainContractors": [supplier_ref],
            }
        )
    shared = sum((m.value_share_pct for m in terms.members), Decimal(0))
    award["hasSubcontracting"] = True
    # A Subcontract has no share of its own in the extension: the shares go in the description.
    shares = "; ".join(
        f"{m.name}: {m.work_share_pct} % of the work, {m.value_share_pct} % of the value"
        for m in terms.members
    )
    award["subcontracting"] = {
        "description": "A consortium: the lead is the supplier and is paid; its members deliver "
        f"their confirmed shares as subcontractors ({shares}).",
        "minimumPercentage": _proportion(shared),
        "maximumPercentage": _proportion(shared),
        "value": {"amount": float(c.value * shared / 100), "currency": "GBP"},
        "subcontracts": subcontracts,
    }
