"""Loads the ONS area hierarchy named by the settings (either file format)."""

from __future__ import annotations

from pathlib import Path

from streetlevel.common.areas import AreaIndex, load_reference


def load_areas(areas_file: str | Path | None, counties_file: str | Path | None) -> AreaIndex:
    """The ONS lookup CSV or a ``code,name,type,parent_code`` list, with optional counties."""
    if not areas_file:
        return AreaIndex()
    return load_reference(areas_file, counties_file or None)
