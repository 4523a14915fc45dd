"""scripts/stack brings the native distributed topology up, answers /readyz, and leaves nothing."""

from __future__ import annotations

import os
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
ENV_FILE = ROOT / ".streetlevel" / "stack.env"


def stack(
    command: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "stack"), command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_env() -> dict[str, str]:
    env = {}
    for line in ENV_FILE.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = (shlex.split(value) or [""])[0]
    return env


def status_of(url: str) -> int:
    with urllib.request.urlopen(f"{url}/readyz", timeout=5) as resp:  # noqa: S310
        return int(resp.status)


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def command_lines() -> list[str]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return lines


@pytest.mark.timeout(900)
def test_the_stack_comes_up_behind_the_gateway_and_down_leaves_nothing_running() -> None:
    no_areas = {k: v for k, v in os.environ.items() if k != "STREETLEVEL_AREAS_FILE"}
    up = stack("up", timeout=600, env=no_areas)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        # Without areas every registration is refused: said on stderr and in the summary.
        assert "WARNING: NO AREAS LOADED" in up.stderr
        assert "stack: areas: NONE" in up.stdout
        env = read_env()
        services = env["STREETLEVEL_SERVICES"].split()
        present = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir())
        skipped = [s for s in present if s not in services]
        for name in skipped:
            assert f"SKIPPING {name}" in up.stdout
        assert "gateway" in services, up.stdout
        assert f"gateway at {env['STREETLEVEL_GATEWAY_URL']}" in up.stdout
        assert status_of(env["STREETLEVEL_GATEWAY_URL"]) == 200
        for name in services:
            assert status_of(env[f"STREETLEVEL_{name.upper()}_URL"]) == 200
            if name == "web":  # the public site keeps no database: it reads the gateway
                assert "WEB_DATABASE_URL" not in env
                assert f"public site at {env['STREETLEVEL_WEB_URL']}" in up.stdout
                continue
            # Under the name the service's own settings read (REGISTRY_DATABASE_URL, ...).
            assert env[f"{name.upper()}_DATABASE_URL"].endswith(f"/{name}")
        assert ":" in env["STREETLEVEL_KAFKA_BOOTSTRAP"]
        status = stack("status", timeout=60)
        assert status.returncode == 0, status.stdout
        pids = [int(v) for k, v in env.items() if k.endswith("_PID") and v.isdigit()]
        assert len(pids) == len(services) + 2
        ports = [env[f"STREETLEVEL_{s.upper()}_URL"].rsplit(":", 1)[1] for s in services]
    finally:
        down = stack("down", timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    assert not ENV_FILE.exists()
    assert [pid for pid in pids if running(pid)] == []
    # Nothing of this stack survives under another pid either (a forked worker, a backend).
    leftovers = [
        line
        for line in command_lines()
        if any(f"--port {port} " in line + " " for port in ports)
        or env["STREETLEVEL_KAFKA_BOOTSTRAP"] in line
    ]
    assert leftovers == []
    assert stack("status", timeout=60).returncode == 1
