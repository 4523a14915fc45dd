"""Loads the area hierarchy named by the settings (ONS lookup or a code list, plus counties)."""

from __future__ import annotations

from functools import lru_cache

from streetlevel.common.areas import load_area_files

#: Cached: every app built in this process (tests, an embedded restart) shares the parsed files.
load_areas = lru_cache(maxsize=8)(load_area_files)
