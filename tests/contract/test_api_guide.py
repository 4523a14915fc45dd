"""Every example in docs/api.md runs, as written, against a live embedded platform.

Code blocks are fenced as ```` ```sh example ````, ```` ```python example ```` or
```` ```sh setup ```` (only the variables the examples read). The shell examples run in order in
one shell, as a reader would paste them; each Python example runs on its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streetlevel.testing._proc import InfraError
from streetlevel.testing.live import live_app

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
GUIDE = ROOT / "docs" / "api.md"
FENCE = re.compile(r"^```([a-z]+)([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
MARKER = "@@@ example "
SERVER_KEY = "guide-test-server-key"


@dataclass(frozen=True)
class Block:
    language: str
    kind: str
    body: str


def blocks() -> list[Block]:
    text = GUIDE.read_text()
    return [Block(m[1], m[2].strip(), m[3]) for m in FENCE.finditer(text)]


def examples(language: str) -> list[str]:
    return [b.body for b in blocks() if b.language == language and b.kind == "example"]


def test_every_code_block_of_the_guide_is_a_tested_example_or_its_setup() -> None:
    found = blocks()
    assert len(found) >= 10
    for block in found:
        assert block.language in ("sh", "python"), block
        assert block.kind in ("example", "setup"), block
        if block.kind == "setup":
            for line in block.body.splitlines():
                assert re.fullmatch(r"export( [A-Z_]+=\S+)+", line), line
    # No command hides outside a fenced example.
    text = GUIDE.read_text()
    tested = sum(b.body.count("curl ") for b in found if b.kind == "example")
    assert text.count("curl ") == tested


@dataclass
class Live:
    env: dict[str, str]
    workdir: Path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The embedded platform under uvicorn and an enterprise client, as the guide assumes."""
    data_dir = tmp_path_factory.mktemp("guide-platform")
    gateway_env = {
        "GATEWAY_MODE": "embedded",
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_SERVER_KEY": SERVER_KEY,
        "GATEWAY_LOG_JSON": "false",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    try:
        with live_app(
            "streetlevel.platform.embedded:create_app",
            env=gateway_env,
            log=data_dir / "gateway.log",
        ) as url:
            cli = [sys.executable, "-m", "streetlevel.platform.cli", "clients", "create"]
            made = subprocess.run(
                [*cli, "--kind", "enterprise", "--name", "guide reader"],
                env={**os.environ, **gateway_env},
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            client = json.loads(made.stdout)
            env = {
                "PATH": os.environ["PATH"],
                "HOME": str(data_dir),
                "BASE": url,
                "CLIENT_ID": client["client_id"],
                "CLIENT_SECRET": client["client_secret"],
            }
            yield Live(env, tmp_path_factory.mktemp("guide-reader"))
    except InfraError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def shell_outputs(live: Live) -> list[str]:
    """Each shell example's output, after running them all in one shell."""
    assert shutil.which("curl"), "the guide's examples need curl"
    script = "set -euo pipefail\n" + "".join(
        # curl prints no final newline: the marker goes on a line of its own.
        f'echo; echo "{MARKER}{i}"\n{body}'
        for i, body in enumerate(examples("sh"))
    )
    ran = subprocess.run(
        ["bash", "-c", script],
        env=live.env,
        cwd=live.workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, f"a shell example failed:\n{ran.stdout[-3000:]}\n{ran.stderr}"
    outputs = re.split(rf"^{MARKER}\d+\n", ran.stdout, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(examples("sh"))
    return outputs


def _output_of(outputs: list[str], needle: str) -> str:
    index = next(i for i, body in enumerate(examples("sh")) if needle in body)
    return outputs[index]


def _documents(text: str) -> list[Any]:
    """The JSON documents printed one after another (curl adds no newline between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    text = text.strip()
    while at < len(text):
        value, at = decoder.raw_decode(text, at)
        found.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def test_the_guides_shell_examples_run_and_answer_as_described(
    live: Live, shell_outputs: list[str]
) -> None:
    token = json.loads(_output_of(shell_outputs, '-u "$CLIENT_ID'))
    assert token["token_type"] == "Bearer"
    registered = json.loads(_output_of(shell_outputs, "Idempotency-Key"))
    assert registered["status"] == "pending"
    page = json.loads(_output_of(shell_outputs, "limit=2"))
    assert set(page) >= {"items", "next_cursor"}
    problem = json.loads(_output_of(shell_outputs, "limit=500"))
    assert problem["type"] == "https://streetlevel.org/problems/validation"
    assert "ratelimit-remaining:" in _output_of(shell_outputs, "-D -").lower()
    feed = json.loads(_output_of(shell_outputs, "/v1/events"))
    assert feed["items"], "the registration above should be on the change feed"
    assert json.loads(_output_of(shell_outputs, "ocds/releases").strip())["releases"] == []
    index, metadata = _documents(_output_of(shell_outputs, "oauth-authorization-server"))
    assert index["links"]["developers"]["href"] == live.env["BASE"] + "/developers"
    assert metadata["token_endpoint"] == live.env["BASE"] + "/oauth/token"
    assert (live.workdir / "enterprises.csv").read_text().startswith("id,")
    assert json.loads((live.workdir / "organisations.json").read_text())
    assert (live.workdir / "outcomes.ndjson").exists()


def test_the_guides_python_examples_run_against_the_platform(
    live: Live, shell_outputs: list[str]
) -> None:
    scripts = examples("python")
    assert len(scripts) >= 4
    for script in scripts:
        ran = subprocess.run(
            [sys.executable, "-c", script],
            env=live.env,
            cwd=live.workdir,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert ran.returncode == 0, f"{script}\n--- failed:\n{ran.stdout}\n{ran.stderr}"
        assert ran.stdout.strip(), script
