"""Publishing the Act's notices in sequence (NoticeLog) and as NoticePublished events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.commissioning.adapters.evaluation_repository import Notices
from streetlevel.commissioning.domain import events as ev
from streetlevel.commissioning.domain.commission import Commission, iso
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.procurement.commission_routing import kind_of, lot_value
from streetlevel.commissioning.domain.procurement.notices import NoticeLog, NoticeType, sequence
from streetlevel.commissioning.domain.procurement.working_days import Standstill
from streetlevel.commissioning.service.procurement_rules import routing_of
from streetlevel.common.ids import new_id


def _money(amount: Any) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency": "GBP"}


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


async def publish_notice(
    session: AsyncSession,
    commission: Commission,
    code: NoticeType,
    fields: dict[str, Any],
    *,
    now: datetime,
    lot_id: str | None = None,
    contract_id: str | None = None,
    standstill: Standstill | None = None,
) -> dict[str, Any] | None:
    """Sequence and keep a notice, recorded on the commission (None: the Act asks none here)."""
    routing = routing_of(commission)
    kind = kind_of(commission.s)
    applicable = set().union(*sequence(routing, kind).values())
    if code not in applicable:
        return None
    repo = Notices(session)
    # Each lot runs its own award cycle after the commission's tender notice.
    earlier = [n for n in await repo.for_commission(commission.id) if n["lot_id"] in (None, lot_id)]
    log = NoticeLog(routing, kind, published=earlier)
    base = {
        "contracting_authority": {"id": commission.buyer_id, "name": commission.buyer_name},
        "procurement_id": commission.ocid,
        "title": commission.s.title,
        "description": commission.s.description or commission.s.title,
        "cpv_codes": list(commission.s.cpv_codes),
    }
    notice = log.publish(
        code,
        _json({**base, **fields}),
        now=now,
        summaries_sent=True,  # summaries are made at the award, before the UK6 (s.50(3))
        standstill=standstill,
    )
    notice.update(id=str(new_id()), lot_id=lot_id, contract_id=contract_id)
    await repo.add(commission.id, notice)
    commission.record(
        ev.NoticePublished(
            notice_id=notice["id"],
            notice_type=code,
            commission_id=commission.id,
            contract_id=contract_id,
            published_at=now,
            fields=notice["fields"],
        ),
        subject=commission.subject,
    )
    return notice


def tender_fields(c: Commission) -> dict[str, Any]:
    """The UK4's fields: what the tender notice publishes (never bid content)."""
    s = c.s
    e = s.eligibility
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
        "estimated_value": _money(gross),
        "lots": [
            {"id": lot.id, "title": lot.title, "value": _money(lot_value(lot).gross.amount)}
            for lot in s.lots
        ],
        "procedure": kind_of(s),
        "award_criteria": [{"name": k.name, "weight": str(k.weight)} for k in s.award_criteria],
        "tender_deadline": s.timeline.tender_end,
        "enquiry_deadline": s.timeline.enquiry_end,
        "sme_suitable": True,
        "vcse_suitable": True,
        "reservations": reservations or "none",
        "conditions_of_participation": "none",
    }


def award_fields(c: Commission, contract: Contract, standstill: Standstill) -> dict[str, Any]:
    """The UK6's fields for one lot's award."""
    return {
        "lots": [{"id": contract.lot_id, "title": contract.lot_title}],
        "suppliers": [{"id": contract.supplier_id, "name": contract.supplier_name}],
        "contract_value": _money(contract.value),
        "contract_period": {"start": contract.period_start, "end": contract.period_end},
        "award_decision_date": contract.created_at,
        "standstill_end": standstill.ends_at or contract.created_at,
    }


def contract_fields(contract: Contract, *, now: datetime, conflicts: bool) -> dict[str, Any]:
    """The UK7's fields once the contract is entered into."""
    return {
        "supplier": {"id": contract.supplier_id, "name": contract.supplier_name},
        "contract_value": _money(contract.value),
        "contract_period": {"start": contract.period_start, "end": contract.period_end},
        "date_entered_into": now,
        "kpis_or_reason": [o.indicator_code for o in contract.lot_outcomes]
        or "no KPIs: the contract is paid for outcomes on its rate card",
        "conflicts_assessment_confirmed": conflicts,
    }
