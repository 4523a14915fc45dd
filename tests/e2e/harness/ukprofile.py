"""The UK OCDS profile validator for the native stack (``streetlevel.testing.ocds_uk``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from streetlevel.testing.ocds_uk import extension_server, validate_uk_profile

from .platform import ROOT

STANDARDS = ROOT.parent / "shared" / "standards" / "ocds"


def validate_uk(package: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """libcoveocds's report on a release package and the declared extensions it could not read."""
    with extension_server(STANDARDS) as base, tempfile.TemporaryDirectory() as workdir:
        return validate_uk_profile(package, standards=STANDARDS, base=base, workdir=Path(workdir))
