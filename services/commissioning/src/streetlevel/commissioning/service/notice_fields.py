"""Each Act notice's ``fields`` in one place: the emitters build them, the renderer reads them.

``adapters/notice_releases.py`` renders exactly these keys into a UK-profile OCDS release; the
required ones are listed per notice in ``domain/procurement/notices.py`` (NOTICES).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.domain.commission import Commission, iso
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.procurement.commission_routing import kind_of, lot_value
from streetlevel.commissioning.domain.procurement.modifications import split_org_id
from streetlevel.commissioning.domain.procurement.working_days import (
    Standstill,
    contract_details_due,
)
from streetlevel.commissioning.service.procurement_rules import routing_of

#: CPV for a commission that names none: 85300000-2, social work and related services.
DEFAULT_CPV = "85300000-2"


def money(amount: Decimal | int | float) -> dict[str, str]:
    return {"amount": f"{Decimal(amount):.2f}", "currency": "GBP"}


def as_json(value: Any) -> Any:
    """Datetimes as RFC 3339 strings, recursively (the event's payload is JSON)."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def supplier_of(contract: Contract) -> dict[str, Any]:
    """The supplier as the commission's own OCDS feed names a party without an identifier."""
    return {"id": f"streetlevel-{contract.supplier_id}", "name": contract.supplier_name}


def subcontractors_of(contract: Contract) -> dict[str, Any]:
    """A consortium's members as the supplier's subcontractors (nothing for one supplier)."""
    if contract.consortium is None:
        return {}
    members = contract.consortium.members
    return {
        "subcontractors": [
            {"id": f"streetlevel-{m.enterprise_id}", "name": m.name} for m in members
        ]
    }


def common_fields(commission: Commission) -> dict[str, Any]:
    """What every notice carries: the authority (org-id split), the procurement and its CPV."""
    scheme, local = split_org_id(commission.buyer_id)
    spec = commission.s
    return {
        "contracting_authority": {
            "name": commission.buyer_name,
            "identifier": {"scheme": scheme, "id": local},
        },
        "procurement_id": commission.id,
        "title": spec.title,
        "description": spec.description or spec.title,
        "cpv_codes": list(spec.cpv_codes or [DEFAULT_CPV]),
        "above_threshold": routing_of(commission).covered,
    }


def _period(contract: Contract) -> dict[str, Any]:
    return {"start": contract.period_start, "end": contract.period_end}


def tender_fields(c: Commission) -> dict[str, Any]:
    """The UK4's fields: what the tender notice publishes (never bid content)."""
    s = c.s
    e = s.eligibility
    # Reservations the Act allows (s.32-33 above threshold; Part 6 below it), by name.
    reservations = [
        name
        for on, name in (
            (e.max_size is not None, f"max_size:{e.max_size}"),
            (e.social_enterprise_only, "social_enterprise_only"),
            (e.must_serve_area, "must_serve_area"),
        )
        if on
    ]
    gross = sum(lot_value(lot).gross.amount for lot in s.lots)
    return {
        "estimated_value": money(gross),
        "lots": [
            {"id": lot.id, "title": lot.title, "value": money(lot_value(lot).gross.amount)}
            for lot in s.lots
        ],
        "procedure": kind_of(s),
        "award_criteria": [{"name": k.name, "weight": str(k.weight)} for k in s.award_criteria],
        "tender_deadline": s.timeline.tender_end,
        "enquiry_deadline": s.timeline.enquiry_end,
        "contract_period": {"start": s.timeline.contract_start, "end": s.timeline.contract_end},
        "sme_suitable": True,
        "vcse_suitable": True,
        "reservations": reservations or "none",
        "conditions_of_participation": "none",
    }


def award_fields(
    c: Commission, contract: Contract, standstill: Standstill, *, summaries_sent: datetime
) -> dict[str, Any]:
    """The UK6's fields for one lot's award (its supplier tied to its lot and contract)."""
    lot = next((x for x in c.s.lots if x.id == contract.lot_id), None)
    value = money(contract.value)
    return {
        "lots": [
            {
                "id": contract.lot_id,
                "title": contract.lot_title,
                **({"value": money(lot_value(lot).gross.amount)} if lot else {}),
            }
        ],
        "suppliers": [
            {
                **supplier_of(contract),
                "lot_id": contract.lot_id,
                "contract_id": contract.id,
                "value": value,
                **subcontractors_of(contract),
            }
        ],
        "contract_value": value,
        "contract_period": _period(contract),
        "award_decision_date": contract.created_at,
        "standstill_end": standstill.ends_at or contract.created_at,
        "assessment_summaries_sent": summaries_sent,
    }


def transparency_fields(c: Commission, contract: Contract) -> dict[str, Any]:
    """The UK5's fields for a direct award, once its supplier is known (s.44)."""
    direct = c.s.direct_award
    return {
        "supplier": supplier_of(contract),
        "direct_award_ground": direct.ground if direct else "",
        "justification": direct.justification if direct else "",
        "estimated_value": money(contract.value),
        "contract_period": _period(contract),
    }


def contract_fields(contract: Contract, *, now: datetime, conflicts: bool) -> dict[str, Any]:
    """The UK7's fields once the contract is entered into (due within 30 days, s.53(4))."""
    return {
        "supplier": supplier_of(contract),
        **subcontractors_of(contract),
        "lot_id": contract.lot_id,
        "contract_id": contract.id,
        "contract_value": money(contract.value),
        "contract_period": _period(contract),
        "date_entered_into": now,
        "publish_by": contract_details_due(now).isoformat(),
        "kpis_or_reason": [o.indicator_code for o in contract.lot_outcomes]
        or "no KPIs: the contract is paid for outcomes on its rate card",
        "conflicts_assessment_confirmed": conflicts,
    }


def cancellation_fields(c: Commission, reason: str) -> dict[str, Any]:
    """The UK12's fields: the reason and the lots the procurement ends for."""
    return {
        "reason": reason,
        "lots": [{"id": lot.id, "title": lot.title} for lot in c.s.lots],
    }


def change_fields(
    contract: Contract,
    *,
    description: str,
    reason: str,
    before: dict[str, str],
    after: dict[str, str],
    period_end: str | None,
) -> dict[str, Any]:
    """The UK10's fields: the change, its value before and after, and the new term."""
    start = contract.period_start.date().isoformat() if contract.period_start else None
    return {
        "contract_id": contract.id,
        "change_description": description,
        "value_change": {"before": before, "after": after},
        "reason": reason,
        "contract_period": {"start": start, "end": period_end},
    }


def termination_fields(
    contract: Contract, *, ended_on: str, reason: str, final_value: dict[str, str]
) -> dict[str, Any]:
    """The UK11's fields: when and why the contract ended, and what was paid."""
    return {
        "contract_id": contract.id,
        "termination_date": ended_on,
        "reason": reason,
        "final_value": final_value,
    }
