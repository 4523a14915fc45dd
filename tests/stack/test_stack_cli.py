"""An operator drives the native stack with the streetlevel CLI exactly as the docs say."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
BLACKPOOL_AREAS = ROOT.parent / "shared" / "data" / "geography" / "areas_blackpool.csv"
DOCS = (ROOT / "docs" / "operations.md", ROOT / "README.md")
STATE = ROOT / ".streetlevel"

# The commands as docs/operations.md and README.md print them ({areas}: the ONS lookup).
UP = "STREETLEVEL_AREAS_FILE={areas} scripts/stack up"
SOURCE = "set -a; . .streetlevel/stack.env; set +a"
CLI = ".venv/bin/streetlevel"
CREATE = f'{CLI} clients create --kind enterprise --name "Seaside Co-op"'
DOWN = "scripts/stack down"
DOC_AREAS = "/path/to/ons-lookup.csv"


def operator_env() -> dict[str, str]:
    """A fresh operator's shell: none of the platform's or a previous stack's variables."""
    prefixes = ("STREETLEVEL_", "GATEWAY_", "REGISTRY_", "COMMISSIONING_", "OUTCOMES_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def shell(line: str, timeout: float, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line],
        cwd=cwd,
        env=operator_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stack_env() -> dict[str, str]:
    """stack.env as the shell sees it after sourcing (every variable it sets)."""
    done = shell(f"{SOURCE}; env -0", timeout=30)
    before = operator_env()
    pairs = (item.partition("=") for item in done.stdout.split("\0") if item)
    return {k: v for k, _, v in pairs if before.get(k) != v and k not in ("_", "SHLVL", "PWD")}


def checkout_state() -> set[str]:
    """What lies under .streetlevel apart from the stack's own files."""
    if not STATE.is_dir():
        return set()
    return {p.name for p in STATE.iterdir()} - {"stack", "stack.env"}


def register_body() -> dict[str, object]:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Seaside Co-op {tag}",
        "legal_form": "cooperative_society",
        "identifier": {"scheme": "GB-MPR", "id": f"{int(tag, 16) % 100_000:05d}R"},
        "mission": "Worker-owned training kitchen for young people",
        "themes": ["employment-skills"],
        "areas_served": ["E06000009"],
        "trading_income_pct": 75,
        "profit_reinvested_pct": 90,
        "independent": True,
        "publishes_social_report": True,
        "employees": 12,
        "asset_lock": True,
    }


def test_the_docs_print_the_commands_this_test_runs() -> None:
    for doc in DOCS:
        text = doc.read_text()
        for line in (UP.format(areas=DOC_AREAS), SOURCE, DOWN):
            assert line in text, f"{doc.name} does not show: {line}"
    assert CREATE in DOCS[0].read_text()


@pytest.mark.timeout(900)
def test_the_cli_creates_a_client_on_the_stack_that_registers_an_enterprise_in_blackpool(
    tmp_path: Path,
) -> None:
    before = checkout_state()
    secrets = STATE / "stack" / "secrets"
    up = shell(UP.format(areas=shlex.quote(str(BLACKPOOL_AREAS))), timeout=600)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"stack: areas: 116 loaded from {BLACKPOOL_AREAS}" in up.stdout
        assert "NO AREAS" not in up.stdout + up.stderr
        env = stack_env()
        # The names the gateway's settings read; the key only as a 0600 file, never in the env.
        assert env["GATEWAY_MODE"] == "distributed"
        assert env["GATEWAY_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert not any("SERVER_KEY" in key for key in env)
        assert Path(env["STREETLEVEL_SECRETS_DIR"]) == secrets
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
        assert stat.S_IMODE((secrets / "gateway_server_key").stat().st_mode) == 0o600
        key = (secrets / "gateway_server_key").read_text()
        assert key not in (STATE / "stack.env").read_text()
        gateway_pid = env["STREETLEVEL_GATEWAY_PID"]
        assert key.encode() not in Path(f"/proc/{gateway_pid}/environ").read_bytes()

        created = shell(f"{SOURCE}; {CREATE}", timeout=120)
        assert created.returncode == 0, created.stderr
        client = json.loads(created.stdout)
        assert client["kind"] == "enterprise"

        with httpx.Client(base_url=env["STREETLEVEL_GATEWAY_URL"], timeout=30) as http:
            token = http.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client["client_id"],
                    "client_secret": client["client_secret"],
                },
            )
            assert token.status_code == 200, token.text
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            registered = http.post("/v1/enterprises", json=register_body(), headers=bearer)
            assert registered.status_code == 201, registered.text
            assert registered.json()["areas_served"] == ["E06000009"]

        # Pointed at the distributed gateway without its database: refused, nothing created.
        refused = shell(f"{SOURCE}; unset GATEWAY_DATABASE_URL; {CREATE}", timeout=120)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "GATEWAY_DATABASE_URL" in refused.stderr
        assert refused.stdout == ""
        elsewhere = shell(f"GATEWAY_MODE=distributed {ROOT / CLI} keys list", 60, tmp_path)
        assert elsewhere.returncode == 2, elsewhere.stdout + elsewhere.stderr
        assert list(tmp_path.iterdir()) == []
        # No SQLite database or generated key appeared in the checkout at any step.
        assert checkout_state() == before
    finally:
        down = shell(DOWN, timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not secrets.exists()
