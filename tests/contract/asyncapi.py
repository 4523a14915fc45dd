"""The official AsyncAPI parser (tests/node), and checks of events against served schemas."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jsonschema

from .snapshots import ROOT

SCRIPT = Path(__file__).resolve().parent / "node" / "validate-asyncapi.cjs"
PARSER = ROOT / "tests" / "node" / "node_modules" / "@asyncapi" / "parser"


def asyncapi_diagnostics(document: dict[str, Any]) -> list[dict[str, str]]:
    """``Parser().validate()`` of @asyncapi/parser: each diagnostic's severity, code, message."""
    node = shutil.which("node")
    assert node is not None, "node is missing: run scripts/ensure-node.sh"
    assert PARSER.is_dir(), "@asyncapi/parser is missing: run scripts/ensure-node.sh"
    with tempfile.TemporaryDirectory(prefix="asyncapi-") as tmp:
        path = Path(tmp) / "asyncapi.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        done = subprocess.run(
            [node, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    diagnostics: list[dict[str, str]] = json.loads(done.stdout)
    return diagnostics


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Every violation of ``schema`` (JSON Schema 2020-12, formats checked) by ``instance``."""
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
