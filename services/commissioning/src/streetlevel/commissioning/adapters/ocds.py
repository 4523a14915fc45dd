"""OCDS 1.1.5 releases (lots and metrics extensions) from commissions and their contracts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.adapters.ocds_consortium import add_subcontractors
from streetlevel.commissioning.adapters.payloads import EnterpriseRecord
from streetlevel.commissioning.domain.commission import Commission, iso
from streetlevel.commissioning.domain.contract import Contract, period_close
from streetlevel.commissioning.domain.procurement.modifications import split_org_id
from streetlevel.commissioning.domain.public_ledger import IndicatorFigures, UnitsFigure

PROCUREMENT_METHOD = {
    "open": "open",
    "selective": "selective",
    "competitive_flexible": "selective",
    "micro_grant": "direct",
    "direct_award": "direct",
    "grant": "direct",
}
TENDER_STATUS = {
    "draft": "planning",
    "open": "active",
    "evaluation": "active",
    "awarded": "complete",
    "complete": "complete",
    "cancelled": "cancelled",
}
LOT_STATUS = {
    "open": "active",
    "awarded": "complete",
    "unsuccessful": "unsuccessful",
    "cancelled": "cancelled",
}


def _tender_status(commission: Commission) -> str:
    decided = [s["status"] for s in commission.lot_states.values()]
    if commission.status in ("awarded", "complete") and "awarded" not in decided:
        return "unsuccessful"
    return TENDER_STATUS[commission.status]


def _value(amount: Decimal | str) -> dict[str, Any]:
    return {"amount": float(Decimal(amount)), "currency": "GBP"}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _org_party(org_id: str, name: str, roles: list[str]) -> dict[str, Any]:
    scheme, local = split_org_id(org_id)
    party: dict[str, Any] = {"id": org_id, "name": name, "roles": roles}
    if scheme:
        party["identifier"] = {"scheme": scheme, "id": local, "legalName": name}
    return party


def enterprise_party_id(enterprise_id: str, record: EnterpriseRecord | None) -> str:
    if record is not None and record.identifier is not None:
        return f"{record.identifier.scheme}-{record.identifier.id}"
    return f"streetlevel-{enterprise_id}"


def _enterprise_party(
    enterprise_id: str, name: str, record: EnterpriseRecord | None, roles: list[str]
) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": enterprise_party_id(enterprise_id, record),
        "name": name,
        "roles": roles,
    }
    if record is not None and record.identifier is not None:
        party["identifier"] = {
            "scheme": record.identifier.scheme,
            "id": record.identifier.id,
            "legalName": name,
        }
    return party


def _metric(lot_id: str, code: str, target: Decimal) -> dict[str, Any]:
    return {
        "id": f"{lot_id}:{code}",
        "title": code,
        "description": f"Outcome target for indicator {code}",
        "observations": [{"id": f"{lot_id}:{code}:target", "measure": _number(target)}],
    }


SUPPRESSED = "Suppressed by disclosure control (a count of people of 1 to 4, or one protecting it)"
ROUNDED = "Rounded to the nearest 5 by disclosure control (a count of people)"


def _achieved(c: Contract, item: IndicatorFigures) -> dict[str, Any]:
    """Verified units paid for one indicator, per period and for the whole contract so far."""
    metric_id = f"{c.lot_id}:{item.indicator_code}"
    return {
        "id": metric_id,
        "title": item.indicator_code,
        "description": f"Verified units paid for indicator {item.indicator_code}",
        "observations": [_observation(c, metric_id, f) for f in item.figures],
    }


def _observation(c: Contract, metric_id: str, figure: UnitsFigure) -> dict[str, Any]:
    if figure.period is None:
        assert c.period_start
        assert c.period_end
        suffix = "total"
        period = {"startDate": iso(c.period_start), "endDate": iso(c.period_end)}
    else:
        suffix = figure.period.start
        period = {
            "startDate": _as_datetime(figure.period.start),
            "endDate": _as_datetime(figure.period.end),
        }
    observation: dict[str, Any] = {
        "id": f"{metric_id}:{suffix}",
        "period": period,
        "measure": None if figure.units is None else _number(figure.units),
    }
    if figure.suppressed:
        observation["notes"] = SUPPRESSED
    elif figure.rounded:
        observation["notes"] = ROUNDED
    return observation


def build_release(
    commission: Commission,
    *,
    contracts: Sequence[Contract],
    enterprises: Mapping[str, EnterpriseRecord],
    tag: str | Sequence[str],
    release_id: str,
    date: datetime,
    tenderers: int | None = None,
    base_url: str,
) -> dict[str, Any]:
    """A full-snapshot release of the contracting process after a change tagged ``tag``."""
    buyer_ref = {"id": commission.buyer_id, "name": commission.buyer_name}
    parties = [_org_party(commission.buyer_id, commission.buyer_name, ["buyer", "procuringEntity"])]
    release: dict[str, Any] = {
        "ocid": commission.ocid,
        "id": release_id,
        "date": iso(date),
        "tag": [tag] if isinstance(tag, str) else list(tag),
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer_ref,
        "tender": _tender(commission, buyer_ref, date=date, tenderers=tenderers),
    }
    awards, ocds_contracts = [], []
    for c in contracts:
        record = enterprises.get(c.supplier_id)
        party = _enterprise_party(c.supplier_id, c.supplier_name, record, ["tenderer", "supplier"])
        known = next((p for p in parties if p["id"] == party["id"]), None)
        if known is None:
            parties.append(party)
        else:  # a member of another lot's consortium may win a lot of its own
            known["roles"] += [r for r in party["roles"] if r not in known["roles"]]
        supplier_ref = {"id": party["id"], "name": c.supplier_name}
        award = _award(c, supplier_ref, date=date)
        add_subcontractors(
            c,
            award,
            parties,
            supplier_ref=supplier_ref,
            enterprises=enterprises,
            party_of=_enterprise_party,
        )
        awards.append(award)
        ocds_contracts.append(
            _contract(c, award, buyer_ref=buyer_ref, supplier_ref=supplier_ref, base_url=base_url)
        )
    if awards:
        release["awards"] = awards
        release["contracts"] = ocds_contracts
    return release


def _eligibility(commission: Commission) -> str:
    """The eligibility rules in words ("" when there are none)."""
    rules = commission.s.eligibility
    return "; ".join(
        part
        for part in (
            "verified enterprises only" if rules.verified_only else "",
            "legal forms: " + ", ".join(rules.legal_forms) if rules.legal_forms else "",
            f"at most {rules.max_size}" if rules.max_size else "",
            "must serve the lot's area" if rules.must_serve_area else "",
            "social enterprises only" if rules.social_enterprise_only else "",
            "no consortium bids" if not rules.consortium.allowed else "",
        )
        if part
    )


def _tender(
    commission: Commission,
    buyer_ref: dict[str, str],
    *,
    date: datetime,
    tenderers: int | None,
) -> dict[str, Any]:
    """The release's tender section: the commission, its lots, areas, targets, amendments."""
    spec = commission.s
    t = spec.timeline
    start = iso(commission.published_at or commission.created_at or date)
    criteria = ", ".join(f"{c.name.replace('_', ' ')} {c.weight} %" for c in spec.award_criteria)
    eligibility = _eligibility(commission)
    tender: dict[str, Any] = {
        "id": commission.id,
        "title": spec.title,
        "description": spec.description or spec.title,
        "status": _tender_status(commission),
        "procuringEntity": buyer_ref,
        "value": _value(spec.value.amount),
        "procurementMethod": PROCUREMENT_METHOD[spec.procedure],
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": criteria,
        "tenderPeriod": {"startDate": start, "endDate": iso(t.tender_end)},
        "enquiryPeriod": {"startDate": start, "endDate": iso(t.enquiry_end)},
        "awardPeriod": {"endDate": iso(t.award_by)},
        "contractPeriod": {"startDate": iso(t.contract_start), "endDate": iso(t.contract_end)},
        "hasEnquiries": False,
        "lots": [],
        "items": [],
    }
    if spec.procedure == "micro_grant":
        tender["procurementMethodDetails"] = "Micro-grant: direct award to a community organisation"
    elif spec.procedure == "selective":
        tender["procurementMethodDetails"] = "Selective procedure"
    if eligibility:
        tender["eligibilityCriteria"] = eligibility
    if tenderers is not None:
        tender["numberOfTenderers"] = tenderers
    targets = []
    for lot in spec.lots:
        state = commission.lot_states.get(lot.id, {"status": "open"})
        tender["lots"].append(
            {
                "id": lot.id,
                "title": lot.title,
                "description": lot.description or lot.title,
                "value": _value(lot.value.amount),
                "status": LOT_STATUS.get(state["status"], "active"),
            }
        )
        for code in lot.areas:
            tender["items"].append(
                {
                    "id": f"{lot.id}:{code}",
                    "description": f"{lot.title}: services delivered in area {code} (ONS GSS)",
                    "relatedLot": lot.id,
                }
            )
        targets += [_metric(lot.id, o.indicator_code, o.target) for o in lot.outcomes]
    if targets:
        tender["targets"] = targets
    if commission.amendments:
        tender["amendments"] = [
            {
                "id": str(i + 1),
                "date": a["date"],
                "rationale": a.get("rationale") or "Amended while open",
                "description": "Changed: " + ", ".join(a["changed_fields"]),
            }
            for i, a in enumerate(commission.amendments)
        ]
    return tender


def _period(c: Contract) -> dict[str, str]:
    assert c.period_start
    assert c.period_end
    return {"startDate": iso(c.period_start), "endDate": iso(c.period_end)}


def _award(c: Contract, supplier_ref: dict[str, str], *, date: datetime) -> dict[str, Any]:
    """The award of a contract's lot to its supplier."""
    metrics = [_metric(c.lot_id, o.indicator_code, o.target) for o in c.lot_outcomes]
    award: dict[str, Any] = {
        "id": f"award-{c.id}",
        "title": c.lot_title,
        "status": "active",
        "date": iso(c.created_at or date),
        "value": _value(c.value),
        "suppliers": [supplier_ref],
        "relatedLots": [c.lot_id],
        "contractPeriod": _period(c),
    }
    if metrics:
        award["agreedMetrics"] = metrics
    return award


def _contract(
    c: Contract,
    award: dict[str, Any],
    *,
    buyer_ref: dict[str, str],
    supplier_ref: dict[str, str],
    base_url: str,
) -> dict[str, Any]:
    """The contract section: status, period, agreed metrics and the public implementation."""
    metrics = [_metric(c.lot_id, o.indicator_code, o.target) for o in c.lot_outcomes]
    contract: dict[str, Any] = {
        "id": c.id,
        "awardID": award["id"],
        "title": c.lot_title,
        "status": {"pending": "pending", "active": "active"}.get(c.status, "terminated"),
        "period": _period(c),
        "value": _value(c.value),
    }
    # OCDS 1.1.5 has no Contract.statusDetails (an extension adds it): the details of a
    # closed-codelist "terminated" go in the description so the output has no extra fields.
    if c.status == "complete":
        contract["description"] = "Completed: the contract ran its course"
    elif c.status == "terminated":
        contract["description"] = f"Terminated early: {c.reason or 'no reason given'}"
    if metrics:
        contract["agreedMetrics"] = metrics
    implementation = _implementation(
        c, buyer_ref=buyer_ref, supplier_ref=supplier_ref, base_url=base_url
    )
    if implementation:
        contract["implementation"] = implementation
    return contract


def _implementation(
    c: Contract, *, buyer_ref: dict[str, str], supplier_ref: dict[str, str], base_url: str
) -> dict[str, Any]:
    """The public figures of /payments (disclosure-controlled) as transactions and metrics."""
    # A period whose sensitive part is suppressed has no amount rather than a partial one
    # OCDS could not mark.
    public = c.public_payments
    transactions = [
        {
            "id": f"{c.id}:{p.period.start}",
            "source": f"{base_url}/v1/contracts/{c.id}/payments",
            # The period's close, not the payment's own time: dating each change would let
            # anyone count hidden verifications. Payments follow the close (outcomes verifies
            # only ended periods), so a transaction is never dated after its release.
            "date": iso(period_close(p.period.end)),
            "value": (
                {"amount": None, "currency": "GBP"} if p.suppressed else _value(p.amount.amount)
            ),
            "payer": buyer_ref,
            "payee": supplier_ref,
        }
        for p in public.periods
    ]
    implementation: dict[str, Any] = {}
    if transactions:
        implementation["transactions"] = transactions
    if public.metrics:
        implementation["metrics"] = [_achieved(c, item) for item in public.metrics]
    return implementation


def _as_datetime(value: str) -> str:
    """A period bound (a date or a timestamp) as an RFC 3339 timestamp."""
    return value if "T" in value else f"{value}T00:00:00Z"
