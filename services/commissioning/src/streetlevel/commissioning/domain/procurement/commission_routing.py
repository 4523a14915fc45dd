"""A commission's value routing, procedure and reservations, read from its spec (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from streetlevel.commissioning.domain.procurement.errors import (
    ProcurementRuleBroken,
    ReservationNotAllowed,
)
from streetlevel.commissioning.domain.procurement.money import ContractValue
from streetlevel.commissioning.domain.procurement.procedures import (
    ProcedureKind,
    ProcedurePlan,
    check_procedure,
)
from streetlevel.commissioning.domain.procurement.reservations import (
    LotTerms,
    Reservation,
    reservation_refusals,
)
from streetlevel.commissioning.domain.procurement.sources import ACT_S32_33, LGA_S17, PPN_005
from streetlevel.commissioning.domain.procurement.thresholds import Nation, Routing, classify
from streetlevel.commissioning.domain.procurement.working_days import UK_TIME
from streetlevel.commissioning.domain.values import CommissionSpec, LotSpec

#: Today's procedure names mapped onto the Act's (docs/procurement.md, "Procedures").
PROCEDURE_KIND: dict[str, ProcedureKind] = {
    "open": "open",
    "selective": "competitive_flexible",
    "competitive_flexible": "competitive_flexible",
    "direct_award": "direct_award",
    "micro_grant": "grant",
    "grant": "grant",
}
_NATION_BY_PREFIX: dict[str, Nation] = {"E": "england", "W": "wales"}


def started_on(created_at: datetime | None) -> date:
    """The day the procurement started: the draft's creation day in the UK."""
    assert created_at is not None
    aware = created_at if created_at.tzinfo else created_at.replace(tzinfo=UK_TIME)
    return aware.astimezone(UK_TIME).date()


def nation_of(codes: Iterable[str]) -> Nation:
    """England or Wales from GSS codes (E… or W…); a mix or another nation is refused."""
    nations = {_NATION_BY_PREFIX.get(code[:1]) for code in codes if code}
    if None in nations:
        raise ProcurementRuleBroken(
            "Street Level runs the Procurement Act 2023 cycle for councils in England and "
            "Wales only; an area outside both has no threshold table here.",
            rule="nation_not_covered",
            section="Procurement Act 2023, s.1 and Schedule 1",
            loc=["body", "lots"],
        )
    if len(nations) != 1:
        raise ProcurementRuleBroken(
            "A commission's areas lie in one nation: England and Wales have different "
            "thresholds, below-threshold rules and bank holidays.",
            rule="nations_mixed",
            section="Procurement Act 2023, s.85(5) and Schedule 1",
            loc=["body", "lots"],
        )
    return nations.pop()  # type: ignore[return-value]


def lot_value(lot: LotSpec) -> ContractValue:
    """The lot's value with and without VAT at its rate."""
    return ContractValue.from_net(lot.value, lot.vat_rate)


def kind_of(spec: CommissionSpec) -> ProcedureKind:
    return PROCEDURE_KIND[spec.procedure]


def plan_of(spec: CommissionSpec) -> ProcedurePlan:
    """The procedure the council declared; ``selective`` declares participation then tender."""
    stages = tuple(spec.stages)
    if spec.procedure == "selective" and not stages:
        stages = ("participation", "tender")
    return ProcedurePlan(
        kind=kind_of(spec),
        stages=stages,
        direct_award_ground=spec.direct_award.ground if spec.direct_award else None,
        justification=spec.direct_award.justification if spec.direct_award else "",
        urgency=spec.urgency,
    )


def route(spec: CommissionSpec, *, buyer_area: str, on: date) -> Routing:
    """Classify the commission by the aggregate VAT-inclusive value of its lots."""
    codes = [buyer_area, *(code for lot in spec.lots for code in lot.areas)]
    return classify(
        [lot_value(lot).gross for lot in spec.lots],
        kind=spec.contract_kind,
        nation=nation_of(codes),
        started_on=on,
        grant=kind_of(spec) == "grant",
    )


def reservations_of(spec: CommissionSpec) -> list[Reservation]:
    e = spec.eligibility
    wanted: list[tuple[bool, Reservation]] = [
        (e.max_size is not None, "max_size"),
        (e.social_enterprise_only, "social_enterprise_only"),
        (e.must_serve_area, "must_serve_area"),
    ]
    return [name for on, name in wanted if on]


def check_commission(spec: CommissionSpec, *, buyer_area: str, on: date) -> Routing:
    """Route the commission and refuse a procedure or reservation its routing does not allow."""
    routing = route(spec, buyer_area=buyer_area, on=on)
    plan = plan_of(spec)
    check_procedure(plan, routing)
    reservations = reservations_of(spec)
    errors: list[dict[str, Any]] = []
    for i, lot in enumerate(spec.lots):
        for refusal in reservation_refusals(
            reservations, routing=routing, terms=LotTerms(procedure=plan.kind)
        ):
            errors.append(
                {
                    "loc": ["body", "eligibility", refusal["reservation"]],
                    "msg": f"lot {i} ({lot.id}): {refusal['reason']}",
                    "type": "reservation_not_allowed",
                }
            )
    if errors:
        section = ACT_S32_33.cite() if routing.covered else f"{LGA_S17.cite()}; {PPN_005.title}"
        raise ReservationNotAllowed(
            f"The commission may not be reserved that way: {errors[0]['msg']}. {routing.reason}",
            rule="reservation_not_allowed",
            section=section,
            errors=errors,
        )
    return routing


def _money(amount: Any) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency": "GBP"}


def procurement_view(spec: CommissionSpec, *, buyer_area: str, on: date) -> dict[str, Any]:
    """What a reader sees of the routing: values, classification and its reason."""
    values = [lot_value(lot) for lot in spec.lots]
    view: dict[str, Any] = {
        "procedure_kind": kind_of(spec),
        "value_excl_vat": _money(sum(v.net.amount for v in values)),
        "vat": _money(sum(v.vat.amount for v in values)),
        "value_incl_vat": _money(sum(v.gross.amount for v in values)),
        "started_on": on.isoformat(),
    }
    try:
        routing = route(spec, buyer_area=buyer_area, on=on)
    except ProcurementRuleBroken as exc:
        return {**view, "nation": None, "classification": None, "reason": exc.detail}
    return {
        **view,
        "nation": routing.nation,
        "classification": routing.classification,
        "threshold": _money(routing.threshold.amount),
        "reason": routing.reason,
    }
