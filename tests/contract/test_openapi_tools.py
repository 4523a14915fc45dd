"""Real tools accept the merged document cleanly: Spectral (spectral:oas) and a client generator.

Spectral runs from tests/node (installed by ``make test`` through scripts/ensure-node.sh);
openapi-python-client is a dev dependency. Neither may report a warning.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .snapshots import HERE, ROOT

SPECTRAL = ROOT / "tests" / "node" / "node_modules" / ".bin" / "spectral"
RULESET = HERE / "spectral.yaml"
#: Models the generator dropped before the document was fixed (duplicate titles).
ONCE_DROPPED = ("EnterpriseRead", "EnterprisePage", "EnterpriseCreate", "CheckRead")


def _write(document: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def test_spectral_oas_reports_no_error_and_no_warning(
    merged_document: dict[str, Any], tmp_path: Path
) -> None:
    assert SPECTRAL.exists(), "run scripts/ensure-node.sh (make test does) to install Spectral"
    result = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            "--ruleset",
            str(RULESET),
            "--format",
            "json",
            "--quiet",
            str(_write(merged_document, tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    serious = [
        f"{f['code']} at {'/'.join(map(str, f['path']))}: {f['message']}"
        for f in findings
        if f["severity"] <= 1  # 0 error, 1 warning (2 info, 3 hint)
    ]
    assert serious == []
    assert result.returncode == 0, result.stderr


def test_openapi_python_client_generates_every_operation_without_a_warning(
    merged_document: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "client"
    bin_dir = Path(sys.executable).parent
    # Its post-generation hooks run ruff: the venv's, found on PATH.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    generator = shutil.which("openapi-python-client", path=env["PATH"])
    assert generator is not None
    result = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(_write(merged_document, tmp_path)),
            "--output-path",
            str(out),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    assert output.strip().splitlines() == [f"Generating {out}"], output
    modules = {p.stem for p in (out / "api").rglob("*.py") if p.stem != "__init__"}
    operation_ids = {
        operation["operationId"]
        for item in merged_document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert len(modules) == len(operation_ids)
    models = (out / "models" / "__init__.py").read_text(encoding="utf-8")
    for name in ONCE_DROPPED:
        assert f"from .{_snake(name)} import {name}" in models, name


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
