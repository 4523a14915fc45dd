"""The ONS area hierarchy: loading the official lookup, parent chains and area queries."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from streetlevel.common.areas import (
    Area,
    AreaIndex,
    area_type,
    load_area_list,
    load_ons_lookup,
)

BLACKPOOL = "E06000009"
FYLDE = "E07000119"
LANCASHIRE = "E10000017"
ANCHORSHOLME = "E05015186"
BLACKPOOL_002A = "E01012662"  # best fit: Anchorsholme
FYLDE_001C = "E01025027"  # best fit: Staining (Fylde)


def _geography() -> Path:
    here = Path(__file__).resolve()
    root = next(p for p in here.parents if (p / "uv.lock").exists())
    return root.parent / "shared" / "data" / "geography"


GEOGRAPHY = _geography()
LOOKUP = GEOGRAPHY / "lsoa21_ward24_lad24_england_wales.csv"
COUNTIES = GEOGRAPHY / "lads_england_2024.csv"


@pytest.fixture(scope="module")
def national() -> AreaIndex:
    return load_ons_lookup(LOOKUP, counties=COUNTIES)


def test_blackpool_has_21_wards_and_94_lsoas(national: AreaIndex) -> None:
    wards = {a.code for a in national.of_type("ward", parent=BLACKPOOL)}

    assert wards == {f"E0501{n}" for n in range(5186, 5207)}
    assert len(national.lsoas(BLACKPOOL)) == 94
    blackpool = national.get(BLACKPOOL)
    assert blackpool is not None
    assert (blackpool.name, blackpool.type, blackpool.parent) == ("Blackpool", "lad", None)


def test_the_national_file_covers_england_and_wales(national: AreaIndex) -> None:
    lsoas = [a for a in national.areas.values() if a.type == "lsoa"]

    assert len(lsoas) == 35_672
    assert any(a.code.startswith("W01") for a in lsoas)
    assert national.lad_of("W01000193") == "W06000004"


def test_fylde_sits_in_lancashire(national: AreaIndex) -> None:
    fylde = national.get(FYLDE)
    lancashire = national.get(LANCASHIRE)

    assert fylde is not None
    assert fylde.parent == LANCASHIRE
    assert lancashire is not None
    assert (lancashire.name, lancashire.type) == ("Lancashire", "county")
    assert FYLDE in {a.code for a in national.of_type("lad", parent=LANCASHIRE)}


def test_a_blackpool_lsoa_has_its_ward_then_its_lad_as_ancestors(national: AreaIndex) -> None:
    chain = [a.code for a in national.ancestors(BLACKPOOL_002A)]

    assert chain == [ANCHORSHOLME, BLACKPOOL]
    assert national.lad_of(BLACKPOOL_002A) == BLACKPOOL
    assert national.lad_of(BLACKPOOL) == BLACKPOOL


def test_a_district_lsoa_reaches_its_county(national: AreaIndex) -> None:
    chain = [a.code for a in national.ancestors(FYLDE_001C)]

    assert chain[1:] == [FYLDE, LANCASHIRE]
    assert national.contains(LANCASHIRE, FYLDE_001C)
    assert not national.contains(BLACKPOOL, FYLDE_001C)
    assert national.contains(FYLDE, FYLDE)


def test_related_holds_the_area_its_descendants_and_its_ancestors(national: AreaIndex) -> None:
    related = national.related(ANCHORSHOLME)

    assert ANCHORSHOLME in related
    assert BLACKPOOL in related
    assert BLACKPOOL_002A in related
    assert national.lsoas(ANCHORSHOLME) <= related
    assert related == {ANCHORSHOLME, BLACKPOOL} | national.descendants(ANCHORSHOLME)
    assert not any(area_type(c) == "ward" and c != ANCHORSHOLME for c in related)


def test_a_county_contains_its_districts_wards_and_lsoas(national: AreaIndex) -> None:
    below = national.descendants(LANCASHIRE)

    assert FYLDE in below
    assert FYLDE_001C in below
    assert BLACKPOOL not in below
    assert national.lsoas(LANCASHIRE) >= national.lsoas(FYLDE)


def test_the_loader_agrees_with_the_lancashire_area_list(national: AreaIndex) -> None:
    listed = load_area_list(GEOGRAPHY / "areas.csv")

    lsoas = list(listed.of_type("lsoa"))
    assert len(lsoas) == 854
    for lsoa in lsoas:
        loaded = national.get(lsoa.code)
        assert loaded is not None
        assert (loaded.name, loaded.parent) == (lsoa.name, lsoa.parent)


def _write(path: Path, header: list[str], rows: list[list[str]], *, bom: bool) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


WELSH_HEADER = [
    "LSOA21CD",
    "LSOA21NM",
    "LSOA21NMW",
    "WD24CD",
    "WD24NM",
    "WD24NMW",
    "LAD24CD",
    "LAD24NM",
    "LAD24NMW",
    "ObjectId",
]


def test_a_file_with_a_bom_and_welsh_columns_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "lookup.csv",
        WELSH_HEADER,
        [
            [
                *("W01000193", "Denbighshire 015A", "Sir Ddinbych 015A"),
                *("W05001337", "Edeirnion", "Edeirnion"),
                *("W06000004", "Denbighshire", "Sir Ddinbych", "1"),
            ],
            [
                *("E01012662", " Blackpool 002A ", ""),
                *("E05015186", "Anchorsholme", ""),
                *("E06000009", "Blackpool", "", "2"),
            ],
        ],
        bom=True,
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    index = load_ons_lookup(path)

    assert len(index) == 6
    assert [a.code for a in index.ancestors("W01000193")] == ["W05001337", "W06000004"]
    assert index.get("E01012662") == Area("E01012662", "Blackpool 002A", "lsoa", "E05015186")


def test_a_file_missing_a_required_column_is_refused_by_name(tmp_path: Path) -> None:
    header = [c for c in WELSH_HEADER if c != "WD24NM"]
    path = _write(
        tmp_path / "lookup.csv",
        header,
        [["E01012662", "Blackpool 002A", "", "E05015186", "", "E06000009", "Blackpool", "", "1"]],
        bom=False,
    )

    with pytest.raises(ValueError, match="WD24NM"):
        load_ons_lookup(path)


def test_the_blackpool_area_list_loads() -> None:
    index = load_area_list(GEOGRAPHY / "areas_blackpool.csv")

    assert len(index) == 1 + 21 + 94
    assert len(list(index.of_type("ward", parent=BLACKPOOL))) == 21
    assert len(index.lsoas(BLACKPOOL)) == 94
    assert [a.code for a in index.ancestors(BLACKPOOL_002A)] == [ANCHORSHOLME, BLACKPOOL]


def test_an_area_list_with_an_unknown_type_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "areas.csv",
        ["code", "name", "type", "parent_code"],
        [["E02000001", "Some MSOA", "msoa", ""]],
        bom=False,
    )

    with pytest.raises(ValueError, match="msoa"):
        load_area_list(path)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("E92000001", "country"),
        ("W92000004", "country"),
        ("E10000017", "county"),
        ("E06000009", "lad"),
        ("E07000119", "lad"),
        ("E08000003", "lad"),
        ("E09000001", "lad"),
        ("W06000004", "lad"),
        ("E05015186", "ward"),
        ("W05001337", "ward"),
        ("E01012662", "lsoa"),
        ("W01000193", "lsoa"),
        ("E02000001", None),
        ("S12000036", None),
        ("e06000009", None),
        ("E0600000", None),
        ("E060000091", None),
        ("", None),
    ],
)
def test_area_type_follows_the_gss_prefix(code: str, kind: str | None) -> None:
    assert area_type(code) == kind


def test_moving_an_area_to_another_parent_updates_both_parents() -> None:
    index = AreaIndex([Area("E05000001", "Ward", "ward", "E06000001")])

    index.add(Area("E05000001", "Ward", "ward", "E06000002"))

    assert index.descendants("E06000001") == set()
    assert index.descendants("E06000002") == {"E05000001"}


def test_a_parent_cycle_does_not_hang_ancestors() -> None:
    index = AreaIndex(
        [Area("E05000001", "A", "ward", "E05000002"), Area("E05000002", "B", "ward", "E05000001")]
    )

    chain = [a.code for a in index.ancestors("E05000001")]

    assert chain[0] == "E05000002"
    assert set(chain) <= {"E05000001", "E05000002"}
