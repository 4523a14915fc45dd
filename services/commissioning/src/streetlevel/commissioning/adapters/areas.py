"""Loads the area hierarchy named by the settings (ONS lookup or a code list, plus counties)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from streetlevel.common.areas import Area, AreaIndex, load_area_list, load_ons_lookup


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


@lru_cache(maxsize=8)
def load_areas(areas_file: str | None, counties_file: str | None) -> AreaIndex:
    """The hierarchy (empty without a file: then only exact area matches count)."""
    if not areas_file:
        return AreaIndex()
    path = Path(areas_file)
    if "LSOA21CD" in _header(path):
        return load_ons_lookup(path, counties_file)
    index = load_area_list(path)
    if counties_file:
        with Path(counties_file).open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                county, lad = (row.get("county_code") or "").strip(), row["LAD24CD"].strip()
                known = index.get(lad)
                if county and known is not None:
                    if county not in index:
                        index.add(Area(county, row["county_name"].strip(), "county"))
                    index.add(Area(lad, known.name, "lad", county))
    return index
