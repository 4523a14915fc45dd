"""The Procurement Act checks a commission meets on create, patch and publish."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from streetlevel.commissioning.domain.commission import Commission
from streetlevel.commissioning.domain.procurement.commission_routing import (
    check_commission,
    plan_of,
    started_on,
)
from streetlevel.commissioning.domain.procurement.errors import ProcurementRuleBroken
from streetlevel.commissioning.domain.procurement.procedures import check_tendering_period
from streetlevel.commissioning.domain.procurement.sources import ACT_S87
from streetlevel.commissioning.domain.procurement.thresholds import Routing
from streetlevel.commissioning.domain.procurement.working_days import WorkingDayCalendar
from streetlevel.commissioning.domain.values import CommissionSpec
from streetlevel.commissioning.settings import CommissioningSettings


def routing_for(spec: CommissionSpec, *, buyer_area: str, created_at: datetime) -> Routing:
    """Route the commission and refuse what its classification does not allow (422)."""
    return check_commission(spec, buyer_area=buyer_area, on=started_on(created_at))


def routing_of(c: Commission) -> Routing:
    """The commission's routing (its spec was checked when it was saved)."""
    assert c.created_at is not None
    return routing_for(c.s, buyer_area=c.buyer_area, created_at=c.created_at)


def social_value_weight(
    settings: CommissioningSettings, buyer_id: str, routing: Routing
) -> Decimal:
    """The council's minimum social value weight for this commission (its policy, not the Act)."""
    policy = settings.social_value_policies.get(buyer_id, settings.social_value_default)
    if not routing.covered and policy.exempt_below_threshold:
        return Decimal(0)
    return policy.min_weight


def calendar_for(settings: CommissioningSettings, routing: Routing) -> WorkingDayCalendar:
    """The s.123 working days: UK-wide, so no nation's bank holiday shortens a standstill."""
    return WorkingDayCalendar(routing.nation, uk_wide=True)


def check_publish(
    settings: CommissioningSettings, spec: CommissionSpec, routing: Routing, *, now: datetime
) -> None:
    """A notice names the CPV codes; tenders stay open the s.54 (or policy) minimum period."""
    if (routing.covered or routing.notifiable) and not spec.cpv_codes:
        raise ProcurementRuleBroken(
            f"A commission published with a tender notice names its CPV codes: {routing.reason}",
            rule="cpv_codes_missing",
            section=f"Procurement Regulations 2024 (notice content); {ACT_S87.section}",
            loc=["body", "cpv_codes"],
        )
    check_tendering_period(
        plan_of(spec),
        routing,
        tender_notice_at=now,
        tender_end=spec.timeline.tender_end,
        periods=settings.minimum_periods(),
    )
