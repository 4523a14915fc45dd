"""The standstill after an award, on the council's bank-holiday calendar (s.51)."""

from __future__ import annotations

from datetime import datetime

from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.procurement.working_days import Standstill, standstill
from streetlevel.commissioning.service.commissions import routing_of
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.procurement_rules import calendar_for


def standstill_for(services: Services, commission: Commission, *, now: datetime) -> Standstill:
    """8 working days from the award notice above threshold; none below it or for a grant."""
    routing = routing_of(commission)
    return standstill(
        routing,
        award_notice_at=now,
        calendar=calendar_for(services.settings, routing),
        voluntary=commission.s.voluntary_standstill,
    )


def standstill_end(services: Services, commission: Commission, *, now: datetime) -> datetime:
    """When the contract may be entered into (``now`` when no standstill applies)."""
    return standstill_for(services, commission, now=now).ends_at or now
