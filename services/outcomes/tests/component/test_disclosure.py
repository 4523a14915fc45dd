"""Disclosure control: no sensitive figure 1–4 is published or derivable by differencing.

The check, precisely: an attacker knows every published cell EXACTLY (stronger than reality,
where sensitive figures are rounded to the nearest 5) and every additive relation of the
cube (an area = the areas inside it, a LAD = its LSOAs, all periods = each period, all
contracts = each contract). Repeatedly, any relation with exactly one unknown cell gives
that cell away. At the end, no published or derived value, and no difference
"published total − published parts" (the sum of the hidden parts), may lie in 1–4.
"""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streetlevel.common.areas import Area, AreaIndex, load_area_files
from streetlevel.common.disclosure import Figure, Relation, is_small, publish
from streetlevel.outcomes.domain.rollup import Cell, Contribution, build_cube
from streetlevel.outcomes.domain.values import Period

from ..support import BLACKPOOL_AREAS

LAD = "E06000901"
PERIODS = [
    Period(start=date(2026, 1, 1), end=date(2026, 3, 31)),
    Period(start=date(2026, 4, 1), end=date(2026, 6, 30)),
    Period(start=date(2026, 7, 1), end=date(2026, 9, 30)),
]


def _index(wards: int, lsoas_per_ward: list[int]) -> AreaIndex:
    index = AreaIndex([Area(LAD, "Test LAD", "lad")])
    serial = 0
    for w in range(wards):
        ward = f"E05{900 + w:06d}"
        index.add(Area(ward, f"Ward {w}", "ward", LAD))
        for _ in range(lsoas_per_ward[w]):
            index.add(Area(f"E01{900 + serial:06d}", f"LSOA {serial}", "lsoa", ward))
            serial += 1
    return index


def attack(
    values: dict[Cell, Decimal], relations: list[Relation[Cell]], figures: dict[Cell, Figure]
) -> list[Decimal]:
    """Every value the attacker can derive, and every residual of a published total."""
    known = {cell for cell, figure in figures.items() if not figure.suppressed}
    found: list[Decimal] = []
    changed = True
    while changed:
        changed = False
        for relation in relations:
            unknown = [cell for cell in relation.cells if cell not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                found.append(values[unknown[0]])
                changed = True
    for relation in relations:
        if relation.total in known:
            found.append(sum((values[p] for p in relation.parts if p not in known), Decimal(0)))
    return found


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[AreaIndex, list[Contribution]]:
    wards = draw(st.integers(1, 3))
    per_ward = draw(st.lists(st.integers(1, 3), min_size=wards, max_size=wards))
    index = _index(wards, per_ward)
    lsoas = sorted(index.lsoas(LAD))
    ward_codes = sorted(a.code for a in index.of_type("ward"))
    area = st.one_of(
        st.sampled_from(lsoas), st.sampled_from(lsoas), st.sampled_from([*ward_codes, LAD])
    )
    items = draw(
        st.lists(
            st.builds(
                Contribution,
                contract_id=st.sampled_from(["c1", "c2", "c3"]),
                area=area,
                period=st.sampled_from(PERIODS[: draw(st.integers(1, 3))]),
                value=st.integers(0, 14).map(Decimal),
            ),
            min_size=1,
            max_size=14,
        )
    )
    return index, items


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_no_published_or_differenced_figure_reveals_a_count_from_one_to_four(
    scenario: tuple[AreaIndex, list[Contribution]],
) -> None:
    index, items = scenario
    cube = build_cube(items, index)
    for relation in cube.relations:  # the relations the attacker uses really hold
        assert cube.values[relation.total] == sum(cube.values[p] for p in relation.parts)
    figures = cube.publish(sensitive=True)
    for cell, figure in figures.items():
        if figure.suppressed:
            assert figure.value is None
        else:
            assert figure.value is not None
            assert not is_small(cube.values[cell])
            assert figure.value % 5 == 0
            assert abs(figure.value - cube.values[cell]) <= Decimal("2.5")
    leaks = [value for value in attack(cube.values, cube.relations, figures) if is_small(value)]
    assert leaks == []


def test_a_lone_small_lsoa_is_hidden_together_with_a_sibling() -> None:
    index = _index(1, [3])
    a, b, c = sorted(index.lsoas(LAD))
    items = [
        Contribution("c1", a, PERIODS[0], Decimal(3)),
        Contribution("c1", b, PERIODS[0], Decimal(20)),
        Contribution("c1", c, PERIODS[0], Decimal(31)),
    ]
    cube = build_cube(items, index)
    figures = cube.publish(sensitive=True)
    period = "2026-01-01/2026-03-31"
    assert figures[(a, period, "c1")] == Figure(None, True)
    # The ward total (54 → 55) stays published, so a second LSOA must be hidden: the smallest.
    assert figures[(b, period, "c1")] == Figure(None, True)
    assert figures[(c, period, "c1")] == Figure(Decimal(30))
    assert figures[("E05000900", period, "c1")] == Figure(Decimal(55))


def test_figures_of_an_insensitive_indicator_are_published_exactly() -> None:
    values = {"total": Decimal(7), "a": Decimal(3), "b": Decimal(4)}
    figures = publish(values, [Relation("total", ("a", "b"))], sensitive=False)
    assert figures == {k: Figure(v) for k, v in values.items()}


def test_a_hidden_pair_that_sums_to_a_small_number_is_widened() -> None:
    # total 20 = 1 + 2 + 17: hiding only the 1 and the 2 would reveal "1 + 2 = 3".
    values = {"t": Decimal(20), "a": Decimal(1), "b": Decimal(2), "c": Decimal(17)}
    figures = publish(values, [Relation("t", ("a", "b", "c"))], sensitive=True)
    assert [figures[k].suppressed for k in ("a", "b", "c")] == [True, True, True]
    assert figures["t"] == Figure(Decimal(20))


def test_a_whole_lad_of_small_counts_is_protected_quickly() -> None:
    areas = load_area_files(str(BLACKPOOL_AREAS), None)
    rng = random.Random(7)
    periods = [Period(start=date(2026, m, 1), end=date(2026, m + 2, 28)) for m in (1, 4, 7, 10)]
    items = [
        Contribution(f"c{rng.randint(1, 3)}", lsoa, period, Decimal(rng.randint(0, 12)))
        for lsoa in sorted(areas.lsoas("E06000009"))
        for period in periods
    ]
    started = time.perf_counter()
    cube = build_cube(items, areas)
    figures = cube.publish(sensitive=True)
    assert time.perf_counter() - started < 20
    assert [v for v in attack(cube.values, cube.relations, figures) if is_small(v)] == []
