"""Which suppliers a lot may be reserved to, by classification and nation (ss.32-33, Part 6)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Literal

from streetlevel.commissioning.domain.procurement.errors import ReservationNotAllowed
from streetlevel.commissioning.domain.procurement.sources import (
    ACT_S32_33,
    LGA_ORDER_2026,
    LGA_S17,
    PPN_005,
)
from streetlevel.commissioning.domain.procurement.thresholds import Routing

Reservation = Literal[
    "max_size",
    "social_enterprise_only",
    "must_serve_area",
    "supported_employment",
    "public_service_mutual",
]
#: The day councils in England may first reserve below-threshold competitions by location.
LOCATION_RESERVATION_FROM = date(2026, 2, 4)
#: s.33(1)(b): a public service mutual reservation needs a maximum term of five years or less.
MUTUAL_MAX_TERM_MONTHS = 60


@dataclass(frozen=True)
class LotTerms:
    """What the reservation rules need to know about a lot besides its routing."""

    procedure: str
    reservable_light_touch: bool = False
    max_term_months: int | None = None


def _above(reservation: Reservation, terms: LotTerms) -> str | None:
    if reservation == "supported_employment":
        if terms.procedure != "competitive_flexible":
            return (
                "a reservation to supported employment providers is made through a competitive "
                f"flexible procedure ({ACT_S32_33.title}, s.32(1))"
            )
        return None
    if reservation == "public_service_mutual":
        if terms.procedure != "competitive_flexible":
            return (
                "a public service mutual reservation needs a competitive flexible procedure (s.33)"
            )
        if not terms.reservable_light_touch:
            return "only reservable light touch services may go to public service mutuals (s.33(1))"
        if terms.max_term_months is None or terms.max_term_months > MUTUAL_MAX_TERM_MONTHS:
            return "a public service mutual contract has a maximum term of five years (s.33(1))"
        return None
    return (
        f"above threshold a competition may be reserved only to supported employment providers "
        f"(s.32) or, for reservable light touch services, to public service mutuals (s.33); "
        f"'{reservation}' restricts who may bid in a way the Act does not allow for a public "
        "contract (use conditions of participation under s.22 for capacity to deliver instead)"
    )


def _below(reservation: Reservation, routing: Routing) -> str | None:
    if reservation != "must_serve_area" or routing.kind in ("services", "light_touch"):
        # s.17 LGA 1988 regulates supply and works contracts only, so a council may reserve a
        # below-threshold services competition by location (PPN 005, WPPN 012 principles).
        return None
    if routing.nation == "wales":
        return (
            f"for a {routing.kind} contract a supplier's location is a non-commercial matter "
            f"({LGA_S17.cite()}); the 2026 order lifting it covers English councils only"
        )
    if routing.started_on < LOCATION_RESERVATION_FROM:
        return (
            f"councils in England may reserve below-threshold {routing.kind} competitions by "
            "supplier location only for procurements started on or after 4 February 2026 "
            f"({LGA_ORDER_2026.title})"
        )
    return None


def reservation_refusals(
    reservations: Collection[Reservation], *, routing: Routing, terms: LotTerms
) -> list[dict[str, str]]:
    """Each requested reservation the law does not allow for this lot, with its reason."""
    refusals = []
    for reservation in sorted(reservations):
        if routing.outside_act:
            reason = None
        elif routing.covered:
            reason = _above(reservation, terms)
        else:
            reason = _below(reservation, routing)
        if reason is not None:
            refusals.append({"reservation": reservation, "reason": reason})
    return refusals


def check_reservations(
    reservations: Collection[Reservation], *, routing: Routing, terms: LotTerms, lot: str = ""
) -> None:
    """Raise a 422 naming every reservation refused and why (SME/VCSE below threshold: PPN 005)."""
    refusals = reservation_refusals(reservations, routing=routing, terms=terms)
    if refusals:
        section = ACT_S32_33.cite() if routing.covered else f"{LGA_S17.cite()}; {PPN_005.title}"
        raise ReservationNotAllowed(
            f"Lot {lot or '?'} may not be reserved that way: {refusals[0]['reason']}.",
            rule="reservation_not_allowed",
            section=section,
            errors=[
                {
                    "loc": ["lots", lot, "eligibility", r["reservation"]],
                    "msg": r["reason"],
                    "type": "reservation_not_allowed",
                }
                for r in refusals
            ],
        )
