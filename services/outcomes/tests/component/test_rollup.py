"""Area roll-ups on the real ONS hierarchy: LSOA → ward (best fit) → LAD → county."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from streetlevel.common.areas import load_area_files
from streetlevel.outcomes.domain.rollup import ALL, DIRECT, Contribution, build_cube
from streetlevel.outcomes.domain.values import Period

from ..support import GEOGRAPHY

Q1 = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))
LANCASHIRE, FYLDE = "E10000017", "E07000119"


def test_lad_and_county_totals_are_summed_from_lsoas_and_wards_are_best_fit() -> None:
    areas = load_area_files(str(GEOGRAPHY / "areas.csv"), str(GEOGRAPHY / "lads_england_2024.csv"))
    lsoas = sorted(areas.lsoas(FYLDE))[:3]
    ward = areas.ancestors(lsoas[0])[0].code
    assert areas.ancestors(lsoas[0])[-1].code == LANCASHIRE
    items = [Contribution("c1", lsoa, Q1, Decimal(10 + i)) for i, lsoa in enumerate(lsoas)] + [
        Contribution("c2", FYLDE, Q1, Decimal(7))
    ]
    cube = build_cube(items, areas)
    total = Decimal(10 + 11 + 12)
    by_ward = sum(
        (cube.values[(lsoa, ALL, ALL)] for lsoa in lsoas if areas.ancestors(lsoa)[0].code == ward),
        Decimal(0),
    )
    assert cube.values[(ward, ALL, ALL)] == by_ward
    assert cube.values[(FYLDE + DIRECT, ALL, ALL)] == Decimal(7)
    assert cube.values[(FYLDE, ALL, ALL)] == total + 7
    assert cube.values[(LANCASHIRE, ALL, ALL)] == total + 7
    lad_from_lsoas = [
        r
        for r in cube.relations
        if r.total == (FYLDE, ALL, ALL) and (lsoas[0], ALL, ALL) in r.parts
    ]
    assert lad_from_lsoas, "a LAD total is published as the sum of its LSOAs"
