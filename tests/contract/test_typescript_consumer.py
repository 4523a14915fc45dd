"""openapi-typescript types the merged OpenAPI; a small openapi-fetch consumer compiles strictly.

The types are generated into a temporary directory (never committed) from the document the
embedded gateway serves; tests/node/consumer/consumer.ts imports them as "streetlevel-api"
and `tsc --noEmit --strict` must report nothing. An operation documented as `schema: {}`
types its body `unknown`, which the consumer cannot use: the compiler names the line.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
NODE = ROOT / "tests" / "node"
BIN = NODE / "node_modules" / ".bin"
CONSUMER = NODE / "consumer"


def _operations(diagnostics: str) -> str:
    """Each diagnostic's consumer function and the operations it calls (what to fix)."""
    source = (CONSUMER / "consumer.ts").read_text()
    lines = source.splitlines()
    # Aliases of an operation's types: `Json<"/path", "get", 200>`, `paths["/path"]["post"]`.
    aliases = {
        alias: f"{method.upper()} {path}"
        for alias, path, method in re.findall(
            r'export type (\w+)\s*=[^;]*?(?:Json<|paths\[)"([^"]+)"(?:, |\]\[)"(\w+)"', source
        )
    }
    starts = [
        (i, m.group(1))
        for i, line in enumerate(lines, 1)
        if (m := re.match(r"export (?:async )?function (\w+)", line))
    ]
    named = set()
    for number in re.findall(r"consumer\.ts\((\d+),", diagnostics):
        found = [(i, name) for i, name in starts if i <= int(number)]
        if found:
            start, name = found[-1]
            end = next((i for i, _ in starts if i > start), len(lines) + 1)
            body = "\n".join(lines[start - 1 : end - 1])
            calls = [
                f"{m} {p}" for m, p in re.findall(r'\.(GET|POST|PUT|PATCH|DELETE)\("([^"]+)"', body)
            ]
            calls += [f"{t} ({op})" for t, op in aliases.items() if re.search(rf"\b{t}\b", body)]
            named.add(f"{name}: {', '.join(calls) or 'types only'}")
    return "\n".join(sorted(named))


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(argv[0])
    assert tool.exists(), f"{tool} is missing: run scripts/ensure-node.sh (make installs it)"
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_openapi_typescript_types_the_document_and_the_consumer_compiles_strictly(
    merged_document: dict[str, Any], tmp_path: Path
) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(merged_document))
    types = tmp_path / "streetlevel-api.d.ts"
    generated = _run([str(BIN / "openapi-typescript"), str(spec), "-o", str(types)], NODE)
    said = generated.stdout + generated.stderr
    assert generated.returncode == 0, said
    assert not re.search(r"warn|error|⚠", said, re.IGNORECASE), said
    assert "export interface paths" in types.read_text()

    config = tmp_path / "tsconfig.json"
    config.write_text(
        json.dumps(
            {
                "extends": str(CONSUMER / "tsconfig.json"),
                "compilerOptions": {"paths": {"streetlevel-api": [str(types)]}},
                "files": [str(CONSUMER / "consumer.ts")],
            }
        )
    )
    checked = _run(
        [str(BIN / "tsc"), "-p", str(config), "--noEmit", "--strict", "--pretty", "false"], NODE
    )
    diagnostics = checked.stdout + checked.stderr
    assert checked.returncode == 0, (
        f"tsc --noEmit --strict on consumer.ts:\n{diagnostics}\nin:\n{_operations(diagnostics)}"
    )
    assert not diagnostics.strip(), diagnostics
