"""The offline 360Giving validator: the package schema with the grant schema registered by URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012


def validator_360(folder: Path) -> Callable[[dict[str, Any]], list[str]]:
    """Errors of a 360Giving package against ``folder``'s schemas (the standards README's recipe).

    ``folder`` is ``shared/standards/360giving``; an empty list means 0 schema errors.
    """
    grant = json.loads((folder / "360-giving-schema.json").read_text())
    pkg = json.loads((folder / "360-giving-package-schema.json").read_text())
    # Its "$schema" is http://, which referencing does not detect: name the draft.
    registry = Registry().with_resource(
        pkg["properties"]["grants"]["items"]["$ref"], DRAFT202012.create_resource(grant)
    )
    validator = Draft202012Validator(
        pkg, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    def errors(document: dict[str, Any]) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)
        ]

    return errors
