"""Loads the ONS area hierarchy named by the settings (either file format)."""

from __future__ import annotations

import csv
from pathlib import Path

from streetlevel.common.areas import Area, AreaIndex, load_area_list, load_ons_lookup


def load_areas(areas_file: str | None, counties_file: str | None) -> AreaIndex:
    """The ONS lookup CSV or a ``code,name,type,parent_code`` list, with optional counties."""
    if not areas_file:
        return AreaIndex()
    path = Path(areas_file)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    if "LSOA21CD" in header:
        return load_ons_lookup(path, counties_file)
    index = load_area_list(path)
    if counties_file:
        _add_counties(index, Path(counties_file))
    return index


def _add_counties(index: AreaIndex, path: Path) -> None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            county, lad = (row.get("county_code") or "").strip(), row["LAD24CD"].strip()
            known = index.get(lad)
            if county and known is not None:
                if county not in index:
                    index.add(Area(county, row["county_name"].strip(), "county"))
                index.add(Area(lad, known.name, known.type, county))
