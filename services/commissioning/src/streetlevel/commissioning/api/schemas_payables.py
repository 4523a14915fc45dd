"""Bodies and views of payables and of the payment performance report."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from streetlevel.commissioning.api.schemas import Body, Read
from streetlevel.commissioning.domain.contract import Contract
from streetlevel.commissioning.domain.payable_events import ABSENT
from streetlevel.commissioning.domain.payables import Basis, Payable
from streetlevel.commissioning.domain.payment_performance import (
    PaymentFigures,
    PaymentPerformance,
)

#: What the public sees of a contract's payables: the fixed part's schedule. Outcome claims
#: and credits stay with the parties: each one would count a verification the published,
#: disclosure-controlled period totals of ``/payments`` may hide.
PUBLIC_BASES = (Basis.INSTALMENT, Basis.FIXED_SHARE, Basis.GRANT)


class PayBody(Body):
    paid_on: date | None = Field(
        default=None, description="The date paid (today when omitted); never in the future."
    )
    reference: str = Field(min_length=1, max_length=100, description="The payment reference.")


class ResolutionBody(Body):
    resolution: str = Field(min_length=1, max_length=2000)


class PayableRead(Read):
    """An amount owed; ``amount`` is exact pounds (a credit line is negative)."""

    id: str
    # Exactly one of the two (the other is left out): a payable is a contract's or a grant's.
    contract_id: str | SkipJsonSchema[None] = Field(None, description="A contract's.", **ABSENT)
    grant_id: str | SkipJsonSchema[None] = Field(None, description="A grant's.", **ABSENT)
    basis: Literal["instalment", "fixed_share", "outcome", "credit", "grant"]
    description: str
    amount: str
    currency: Literal["GBP"] = "GBP"
    received_on: date
    due_on: date
    status: Literal["due", "disputed", "paid", "late"]
    paid_on: date | None = None
    days_to_pay: int | None = None
    was_late: bool
    reference: str | None = Field(default=None, description="Buyer and supplier only.")
    dispute_reason: str | None = Field(default=None, description="Buyer and supplier only.")
    resolution: str | None = Field(default=None, description="Buyer and supplier only.")
    credits: str | None = None


class PayablesRead(Read):
    """Every payable for the buyer and supplier; the fixed part's schedule for the rest."""

    contract_id: str
    payment_model: str
    payment_terms_days: int
    reversal_window_days: int
    full: bool
    items: list[PayableRead]


class GrantPaymentFiguresRead(Read):
    """The same figures for the council's grant instalments (outside UK8: not invoices)."""

    invoices_paid: int = Field(description="grant instalments paid in the period")
    paid_within_30_days: int
    paid_within_30_days_pct: str | None
    paid_within_terms: int
    average_days_to_pay: str | None
    amount_paid: str
    late: int
    disputed: int


class PaymentPerformanceRead(Read):
    """A council's payments compliance figures (UK8, public contracts) for one half-year."""

    org_id: str
    period: str
    start: date
    end: date
    grants: GrantPaymentFiguresRead | SkipJsonSchema[None] = Field(
        default=None,
        **ABSENT,
        description="Grant payments, counted apart from the UK8 figures (Local Government "
        "Transparency Code): ss.68-69 of the Procurement Act 2023 cover public contracts only.",
    )
    invoices_paid: int
    paid_within_30_days: int
    paid_within_30_days_pct: str | None
    paid_within_terms: int
    average_days_to_pay: str | None
    amount_paid: str
    late: int
    disputed: int
    escalated_reports: int


def payable_view(p: Payable, *, full: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": p.id,
        **({"contract_id": p.contract_id} if p.contract_id else {"grant_id": p.grant_id}),
        "basis": p.basis.value,
        "description": p.description,
        "amount": f"{p.amount:.2f}",
        "currency": "GBP",
        "received_on": p.received_on.isoformat(),
        "due_on": p.due_on.isoformat(),
        "status": p.status,
        "paid_on": None if p.paid_on is None else p.paid_on.isoformat(),
        "days_to_pay": p.days_to_pay,
        "was_late": p.was_late,
        "credits": p.credits,
    }
    if full:
        body |= {
            "reference": p.reference,
            "dispute_reason": p.dispute_reason,
            "resolution": p.resolution,
        }
    return body


def payables_view(c: Contract, payables: list[Payable], *, full: bool) -> dict[str, Any]:
    shown = payables if full else [p for p in payables if p.basis in PUBLIC_BASES]
    return {
        "contract_id": c.id,
        "payment_model": c.payment_model,
        "payment_terms_days": c.payment_terms_days,
        "reversal_window_days": c.reversal_window_days,
        "full": full,
        "items": [payable_view(p, full=full) for p in shown],
    }


def _figures_view(f: PaymentFigures) -> dict[str, Any]:
    return {
        "invoices_paid": f.invoices_paid,
        "paid_within_30_days": f.paid_within_30_days,
        "paid_within_30_days_pct": _text(f.paid_within_30_days_pct),
        "paid_within_terms": f.paid_within_terms,
        "average_days_to_pay": _text(f.average_days_to_pay),
        "amount_paid": f"{f.amount_paid:.2f}",
        "late": f.late,
        "disputed": f.disputed,
    }


def performance_view(f: PaymentPerformance) -> dict[str, Any]:
    return {
        "org_id": f.org_id,
        "period": f.period,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        **_figures_view(f),
        "escalated_reports": f.escalated_reports,
        "grants": _figures_view(f.grants),
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)
