"""What each caller may see: full, buyer and public views of bids, contracts and payments."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.domain.bid import Bid, Ranked
from streetlevel.commissioning.domain.commission import Commission, iso
from streetlevel.commissioning.domain.consortium import Consortium
from streetlevel.commissioning.domain.contract import Contract, period_totals
from streetlevel.commissioning.domain.values import PaymentLine
from streetlevel.commissioning.service.access import BidAccess


def money(amount: Decimal) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency": "GBP"}


def bid_view(
    bid: Bid,
    access: BidAccess,
    supplier_name: str | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    if access == "public":
        return {
            "id": bid.id,
            "commission_id": bid.commission_id,
            "lot_id": bid.lot_id,
            "supplier": {"enterprise_id": bid.enterprise_id, "name": supplier_name},
            "price": money(bid.price),
            "status": "awarded",
        }
    view: dict[str, Any] = {
        "id": bid.id,
        "commission_id": bid.commission_id,
        "lot_id": bid.lot_id,
        "enterprise_id": bid.enterprise_id,
        "price": money(bid.price),
        "proposal": bid.proposal,
        "social_value_commitments": bid.commitments,
        "status": bid.status,
        "disqualified_reason": bid.disqualified_reason,
        "submitted_at": iso(bid.submitted_at),
        "updated_at": iso(bid.updated_at),
        "version": bid.version,
        "consortium": consortium_view(bid.consortium, names or {}) if bid.consortium else None,
    }
    if access == "buyer":
        view["scores"] = {
            "quality": _num(bid.quality_score),
            "social_value": _num(bid.social_value_score),
            "note": bid.score_note,
        }
    return view


def consortium_view(c: Consortium, names: Mapping[str, str]) -> dict[str, Any]:
    """Shares and confirmations of a consortium bid (its lead, members and, later, the buyer)."""
    return {
        "lead_share": {
            "work_pct": _num(c.lead_work_share_pct),
            "value_pct": _num(c.lead_value_share_pct),
        },
        "members": [
            {
                "enterprise_id": m.enterprise_id,
                "name": names.get(m.enterprise_id),
                "work_pct": _num(m.work_share_pct),
                "value_pct": _num(m.value_share_pct),
                "confirmed": m.confirmed,
                "confirmed_at": iso(m.confirmed_at) if m.confirmed_at else None,
            }
            for m in c.members
        ],
    }


def contract_consortium_view(c: Contract) -> dict[str, Any] | None:
    """The lead's and members' shares as the contract records them (public, as in OCDS)."""
    if c.consortium is None:
        return None
    t = c.consortium
    return {
        "lead_share": {
            "work_pct": _num(t.lead_work_share_pct),
            "value_pct": _num(t.lead_value_share_pct),
        },
        "members": [
            {
                "enterprise_id": m.enterprise_id,
                "name": m.name,
                "work_pct": _num(m.work_share_pct),
                "value_pct": _num(m.value_share_pct),
            }
            for m in t.members
        ],
    }


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def ranking_view(
    ranked: list[Ranked], *, buyer: bool, commission: Commission, lot_id: str
) -> dict[str, Any]:
    state = commission.lot_states.get(lot_id, {})
    items = []
    for r in ranked:
        winner = state.get("bid_id") == r.bid.id
        item: dict[str, Any] = {"rank": r.rank, "winner": winner}
        if buyer or winner:
            # A loser's scores would reveal its price (price score = lowest / price × 100).
            item.update(
                {
                    "bid_id": r.bid.id,
                    "enterprise_id": r.bid.enterprise_id,
                    "price": money(r.bid.price),
                    "price_score": _num(r.price_score.quantize(Decimal("0.01"))),
                    "quality": _num(r.bid.quality_score),
                    "social_value": _num(r.bid.social_value_score),
                    "total": None if r.total is None else _num(r.total.quantize(Decimal("0.01"))),
                }
            )
        if buyer:
            item["submitted_at"] = iso(r.bid.submitted_at)
        items.append(item)
    return {
        "commission_id": commission.id,
        "lot_id": lot_id,
        "status": state.get("status"),
        "items": items,
    }


def contract_view(c: Contract, *, exact: bool) -> dict[str, Any]:
    """The contract summary; ``paid_total`` is exact only for the buyer and the supplier."""
    assert c.period_start
    assert c.period_end
    return {
        "id": c.id,
        "commission_id": c.commission_id,
        "ocid": c.ocid,
        "buyer": {"id": c.buyer_id, "name": c.buyer_name},
        "supplier": {"enterprise_id": c.supplier_id, "name": c.supplier_name},
        "lot": {
            "id": c.lot_id,
            "title": c.lot_title,
            "areas": c.lot_areas,
            "outcomes": [o.model_dump(mode="json") for o in c.lot_outcomes],
        },
        "value": money(c.value),
        "period": {"start": iso(c.period_start), "end": iso(c.period_end)},
        "payment_model": c.payment_model,
        "rate_card": [i.model_dump(mode="json") for i in c.rate_card],
        "status": c.status,
        "status_reason": c.reason,
        # Set while a contract activated before its start waits for it (then null).
        "activates_at": iso(c.activate_at) if c.activate_at else None,
        "standstill_end": iso(c.standstill_end) if c.standstill_end else None,
        "paid_total": money(c.paid_total if exact else c.public_payments.total.amount),
        # False: the public sum of the period totals, sensitive parts disclosure-controlled.
        "paid_total_exact": exact,
        "consortium": contract_consortium_view(c),
        "created_at": iso(c.created_at) if c.created_at else None,
        "updated_at": iso(c.updated_at) if c.updated_at else None,
        "version": c.version,
    }


def payments_view(c: Contract, lines: list[PaymentLine], *, full: bool) -> dict[str, Any]:
    """Exact lines and totals for the buyer and supplier; the public snapshot for the rest."""
    if not full:
        public = c.public_payments
        return {
            "contract_id": c.id,
            "total": public.total.model_dump(mode="json"),
            "suppressed": public.suppressed,
            "periods": [p.model_dump(mode="json") for p in public.periods],
        }
    body: dict[str, Any] = {
        "contract_id": c.id,
        "total": money(c.paid_total),
        "suppressed": False,
        "periods": [p.model_dump(mode="json") for p in period_totals(lines)],
    }
    if full:
        body["lines"] = [
            {
                "line_no": ln.line_no,
                "kind": ln.kind,
                "observation_id": ln.observation_id,
                "indicator_code": ln.indicator_code,
                "period": {"start": ln.period_start, "end": ln.period_end},
                "area": ln.area,
                "units": str(ln.units),
                "unit_price": money(ln.unit_price),
                "amount": money(ln.amount),
                "running_total": money(ln.running_total),
                "note": ln.note,
                "reversed": ln.reversed,
            }
            for ln in lines
        ]
    return body
