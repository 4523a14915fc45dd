"""The ONS area hierarchy (county → LAD → ward → LSOA), loaded from the official lookup CSV.

LSOAs nest exactly in LADs but only best-fit in wards: an LSOA's ward parent is the ONS best
fit. The loader reads columns by name, tolerates the byte-order mark and Welsh-name columns.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

AreaType = Literal["country", "county", "lad", "ward", "lsoa"]

_PREFIX_TYPES: dict[str, AreaType] = {
    "E92": "country",
    "W92": "country",
    "E10": "county",
    "E06": "lad",
    "E07": "lad",
    "E08": "lad",
    "E09": "lad",
    "W06": "lad",
    "E05": "ward",
    "W05": "ward",
    "E01": "lsoa",
    "W01": "lsoa",
}
GSS_CODE = re.compile(r"^[EW]\d{8}$")
TYPE_ORDER: dict[AreaType, int] = {"country": 0, "county": 1, "lad": 2, "ward": 3, "lsoa": 4}


def area_type(code: str) -> AreaType | None:
    """The type of a GSS code by its entity prefix (None for codes the platform does not use)."""
    if not GSS_CODE.match(code):
        return None
    return _PREFIX_TYPES.get(code[:3])


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    type: AreaType
    parent: str | None = None


class AreaIndex:
    """An in-memory hierarchy with parent chains and descendant sets."""

    def __init__(self, areas: Iterable[Area] = ()) -> None:
        self.areas: dict[str, Area] = {}
        self.children: dict[str, list[str]] = {}
        for area in areas:
            self.add(area)

    def __len__(self) -> int:
        return len(self.areas)

    def __contains__(self, code: object) -> bool:
        return code in self.areas

    def add(self, area: Area) -> None:
        old = self.areas.get(area.code)
        if old is not None and old.parent and old.parent != area.parent:
            self.children[old.parent].remove(area.code)
        self.areas[area.code] = area
        if area.parent and (old is None or old.parent != area.parent):
            self.children.setdefault(area.parent, []).append(area.code)

    def get(self, code: str) -> Area | None:
        return self.areas.get(code)

    def ancestors(self, code: str) -> list[Area]:
        """The parent chain, nearest first."""
        chain: list[Area] = []
        area = self.areas.get(code)
        while area is not None and area.parent:
            area = self.areas.get(area.parent)
            if area is None or area in chain:
                break
            chain.append(area)
        return chain

    def descendants(self, code: str) -> set[str]:
        """Every code below ``code`` (wards and LSOAs of a LAD; LADs, wards, LSOAs of a county)."""
        found: set[str] = set()
        stack = list(self.children.get(code, ()))
        while stack:
            child = stack.pop()
            if child not in found:
                found.add(child)
                stack.extend(self.children.get(child, ()))
        return found

    def lsoas(self, code: str) -> set[str]:
        """The LSOAs of an area (for a ward: its best-fit LSOAs); an LSOA is its own."""
        if area_type(code) == "lsoa":
            return {code}
        return {c for c in self.descendants(code) if area_type(c) == "lsoa"}

    def lad_of(self, code: str) -> str | None:
        if area_type(code) == "lad":
            return code
        return next((a.code for a in self.ancestors(code) if a.type == "lad"), None)

    def contains(self, outer: str, inner: str) -> bool:
        """True when ``inner`` is ``outer`` or lies inside it (LSOAs by their exact LAD)."""
        # An LSOA's ward is a best fit, but its LAD (through that ward) is exact.
        return outer == inner or any(a.code == outer for a in self.ancestors(inner))

    def related(self, code: str) -> set[str]:
        """The area, every area inside it and every area containing it (register search)."""
        return {code} | self.descendants(code) | {a.code for a in self.ancestors(code)}

    def of_type(self, kind: AreaType, parent: str | None = None) -> Iterator[Area]:
        codes = self.children.get(parent, []) if parent else self.areas
        for code in codes:
            area = self.areas[code]
            if area.type == kind:
                yield area


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


def load_ons_lookup(path: str | Path, counties: str | Path | None = None) -> AreaIndex:
    """Load the ONS "LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup" CSV.

    ``counties`` optionally names a ``LAD24CD,LAD24NM,county_code,county_name`` list.
    """
    index = AreaIndex()
    county_of: dict[str, str] = {}
    if counties is not None:
        for row in _rows(Path(counties)):
            county = (row.get("county_code") or "").strip()
            if county:
                index.add(Area(county, row["county_name"].strip(), "county"))
                county_of[row["LAD24CD"].strip()] = county
    required = {"LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM"}
    for row in _rows(Path(path)):
        missing = required - row.keys()
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        lad, ward, lsoa = row["LAD24CD"].strip(), row["WD24CD"].strip(), row["LSOA21CD"].strip()
        if lad not in index:
            index.add(Area(lad, row["LAD24NM"].strip(), "lad", county_of.get(lad)))
        if ward not in index:
            index.add(Area(ward, row["WD24NM"].strip(), "ward", lad))
        index.add(Area(lsoa, row["LSOA21NM"].strip(), "lsoa", ward))
    return index


def load_area_list(path: str | Path) -> AreaIndex:
    """Load a ``code,name,type,parent_code`` list (a ward list, or a small seed)."""
    index = AreaIndex()
    for row in _rows(Path(path)):
        kind = row["type"].strip()
        if kind not in TYPE_ORDER:
            raise ValueError(f"{path}: unknown area type {kind!r}")
        parent = (row.get("parent_code") or "").strip() or None
        index.add(Area(row["code"].strip(), row["name"].strip(), kind, parent))
    return index


def _add_counties(index: AreaIndex, path: Path) -> None:
    """Put the LADs of a ``LAD24CD,LAD24NM,county_code,county_name`` list under their county."""
    for row in _rows(path):
        county, lad = (row.get("county_code") or "").strip(), row["LAD24CD"].strip()
        known = index.get(lad)
        if county and known is not None:
            if county not in index:
                index.add(Area(county, row["county_name"].strip(), "county"))
            index.add(Area(lad, known.name, known.type, county))


def load_reference(path: str | Path, counties: str | Path | None = None) -> AreaIndex:
    """The area reference from either format: the ONS lookup CSV or a code list."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    if "LSOA21CD" in header:
        return load_ons_lookup(path, counties)
    index = load_area_list(path)
    if counties is not None:
        _add_counties(index, Path(counties))
    return index


def load_area_files(areas_file: str | Path | None, counties_file: str | Path | None) -> AreaIndex:
    """The settings' area files (``AreaFilesSettings``); empty without one: exact matches only."""
    if not areas_file:
        return AreaIndex()
    return load_reference(areas_file, counties_file or None)
