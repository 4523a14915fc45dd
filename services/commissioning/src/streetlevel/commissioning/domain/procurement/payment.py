"""The 30-day payment term implied into public and regulated below-threshold contracts."""

from __future__ import annotations

from datetime import date, timedelta

from streetlevel.commissioning.domain.procurement.thresholds import Routing

#: s.68(2) (public contracts) and s.88 (regulated below-threshold contracts).
PAYMENT_DAYS = 30


def payment_due(
    routing: Routing, *, invoice_received_on: date, due_on_invoice: date | None = None
) -> date | None:
    """Last day to pay a valid, undisputed invoice, or None where the Act implies no term."""
    # 30 days beginning with its receipt, or the invoice's own due date if that is later.
    if routing.outside_act:
        return None
    statutory = invoice_received_on + timedelta(days=PAYMENT_DAYS - 1)
    return max(statutory, due_on_invoice) if due_on_invoice else statutory
