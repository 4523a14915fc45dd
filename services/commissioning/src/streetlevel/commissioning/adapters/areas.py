"""Loads the area hierarchy named by the settings (ONS lookup or a code list, plus counties)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from streetlevel.common.areas import AreaIndex, load_reference


@lru_cache(maxsize=8)
def load_areas(areas_file: str | Path | None, counties_file: str | Path | None) -> AreaIndex:
    """The hierarchy (empty without a file: then only exact area matches count)."""
    if not areas_file:
        return AreaIndex()
    return load_reference(areas_file, counties_file or None)
