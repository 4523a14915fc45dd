"""Reservations only where the Act allows them: ss.32-33 above threshold, Part 6 and s.17 below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streetlevel.commissioning.domain.procurement.errors import ReservationNotAllowed
from streetlevel.commissioning.domain.procurement.reservations import (
    LotTerms,
    check_reservations,
    reservation_refusals,
)
from streetlevel.commissioning.domain.procurement.thresholds import Routing, classify
from streetlevel.commissioning.domain.values import Money

OPEN = LotTerms(procedure="open")
CFP = LotTerms(procedure="competitive_flexible")


def routed(
    amount: str,
    kind: str = "services",
    nation: str = "england",
    started_on: date = date(2026, 3, 1),
    grant: bool = False,
) -> Routing:
    return classify(
        [Money(amount=Decimal(amount))],
        kind=kind,
        nation=nation,  # type: ignore[arg-type]
        started_on=started_on,
        grant=grant,
    )


def test_above_threshold_size_social_enterprise_and_area_reservations_are_refused() -> None:
    with pytest.raises(ReservationNotAllowed) as err:
        check_reservations(
            ["max_size", "social_enterprise_only", "must_serve_area"],
            routing=routed("300000"),
            terms=OPEN,
            lot="lot-1",
        )
    assert err.value.status == 422
    errors = err.value.extensions["errors"]
    assert [e["loc"][-1] for e in errors] == [
        "max_size",
        "must_serve_area",
        "social_enterprise_only",
    ]
    assert all("s.32" in e["msg"] and "s.33" in e["msg"] for e in errors)
    assert "ss.32-33" in err.value.section


def test_supported_employment_is_reserved_through_a_competitive_flexible_procedure() -> None:
    above = routed("300000")
    refused = reservation_refusals(["supported_employment"], routing=above, terms=OPEN)
    assert "competitive flexible" in refused[0]["reason"]
    assert reservation_refusals(["supported_employment"], routing=above, terms=CFP) == []


@pytest.mark.parametrize(
    ("terms", "why"),
    [
        (
            LotTerms("competitive_flexible", reservable_light_touch=False, max_term_months=36),
            "reservable light touch",
        ),
        (
            LotTerms("competitive_flexible", reservable_light_touch=True, max_term_months=61),
            "five years",
        ),
        (
            LotTerms("competitive_flexible", reservable_light_touch=True, max_term_months=None),
            "five years",
        ),
        (LotTerms("open", reservable_light_touch=True, max_term_months=36), "competitive flexible"),
    ],
)
def test_a_public_service_mutual_reservation_meets_every_condition_of_s33(
    terms: LotTerms, why: str
) -> None:
    refused = reservation_refusals(
        ["public_service_mutual"], routing=routed("900000", kind="light_touch"), terms=terms
    )
    assert why in refused[0]["reason"]


def test_a_reservable_light_touch_contract_of_five_years_may_go_to_mutuals() -> None:
    terms = LotTerms("competitive_flexible", reservable_light_touch=True, max_term_months=60)
    routing = routed("900000", kind="light_touch")
    assert reservation_refusals(["public_service_mutual"], routing=routing, terms=terms) == []


@pytest.mark.parametrize("nation", ["england", "wales"])
def test_below_threshold_a_services_lot_may_be_reserved_to_small_social_and_local_suppliers(
    nation: str,
) -> None:
    routing = routed("80000", nation=nation, started_on=date(2025, 6, 1))
    check_reservations(
        ["max_size", "social_enterprise_only", "must_serve_area"], routing=routing, terms=OPEN
    )
    assert reservation_refusals(["must_serve_area"], routing=routing, terms=OPEN) == []


def test_an_english_goods_lot_may_be_reserved_by_location_only_from_4_february_2026() -> None:
    before = routed("80000", kind="goods", started_on=date(2026, 2, 3))
    after = routed("80000", kind="goods", started_on=date(2026, 2, 4))
    refused = reservation_refusals(["must_serve_area"], routing=before, terms=OPEN)
    assert "4 February 2026" in refused[0]["reason"]
    assert reservation_refusals(["must_serve_area"], routing=after, terms=OPEN) == []


def test_a_welsh_works_lot_may_not_be_reserved_by_location() -> None:
    routing = routed("80000", kind="works", nation="wales")
    refused = reservation_refusals(["must_serve_area", "max_size"], routing=routing, terms=OPEN)
    assert [r["reservation"] for r in refused] == ["must_serve_area"]
    assert "Local Government Act 1988" in refused[0]["reason"]


def test_a_grant_may_be_reserved_freely() -> None:
    routing = routed("900000", grant=True)
    assert (
        reservation_refusals(
            ["max_size", "social_enterprise_only", "must_serve_area"], routing=routing, terms=OPEN
        )
        == []
    )


legacy = st.sets(st.sampled_from(["max_size", "social_enterprise_only", "must_serve_area"]))


@given(
    legacy, st.sampled_from(["goods", "services", "works"]), st.sampled_from(["england", "wales"])
)
def test_above_threshold_every_legacy_reservation_is_refused_and_named(
    reservations: set[str], kind: str, nation: str
) -> None:
    routing = routed("6000000", kind=kind, nation=nation)
    refused = reservation_refusals(reservations, routing=routing, terms=OPEN)  # type: ignore[arg-type]
    assert {r["reservation"] for r in refused} == reservations
    assert all(r["reason"] for r in refused)
