"""scripts/stack and make find uv in one place: $UV, PATH, .tools/bin/uv, else bootstrap it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
TOOLS = ("bash", "sh", "dirname", "realpath", "make", "mkdir", "cp")
# Stand-ins that record how they were called: python3 makes the venv, its pip installs uv.
FAKE_PYTHON = (
    '#!/bin/bash\necho "python3 $*" >> "$LOG"\nmkdir -p "$3/bin"\ncp "$FAKES/pip" "$3/bin/pip"\n'
)
FAKE_PIP = '#!/bin/bash\necho "pip $*" >> "$LOG"\ncp "$FAKES/uv" .tools/bin/uv\n'
FAKE_UV = '#!/bin/bash\necho "uv $* (areas: $STREETLEVEL_AREAS_FILE)" >> "$LOG"\n'


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The scripts and Makefile in an empty checkout, and a PATH with no uv on it."""
    repo = tmp_path / "repo"
    for name in ("scripts/ensure-uv.sh", "scripts/stack", "Makefile"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found is not None, tool
        (tmp_path / "bin").mkdir(exist_ok=True)
        (tmp_path / "bin" / tool).symlink_to(found)
    executable(tmp_path / "bin" / "python3", FAKE_PYTHON)
    executable(tmp_path / "fakes" / "pip", FAKE_PIP)
    executable(tmp_path / "fakes" / "uv", FAKE_UV)
    return repo


def run(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": str(repo.parent / "bin"),
        "LOG": str(repo.parent / "log"),
        "FAKES": str(repo.parent / "fakes"),
    }
    return subprocess.run(
        list(args), cwd=repo, env=base | env, capture_output=True, text=True, check=False
    )


def calls(repo: Path) -> list[str]:
    path = repo.parent / "log"
    return path.read_text().splitlines() if path.exists() else []


def test_uv_is_taken_from_uv_env_then_from_path(checkout: Path) -> None:
    assert run(checkout, "scripts/ensure-uv.sh", UV="/opt/uv").stdout.strip() == "/opt/uv"
    on_path = executable(checkout.parent / "bin" / "uv", FAKE_UV)
    assert run(checkout, "scripts/ensure-uv.sh").stdout.strip() == str(on_path)
    assert calls(checkout) == []


def test_without_uv_it_is_bootstrapped_into_tools_once(checkout: Path) -> None:
    first = run(checkout, "scripts/ensure-uv.sh")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"{checkout}/.tools/bin/uv"
    assert "installing uv 0.13.9 into .tools" in first.stderr
    assert calls(checkout) == ["python3 -m venv .tools", "pip install -q uv==0.13.9"]
    again = run(checkout, "scripts/ensure-uv.sh")
    assert again.stdout.strip() == f"{checkout}/.tools/bin/uv"
    assert len(calls(checkout)) == 2


def test_path_mode_names_the_local_uv_without_bootstrapping(checkout: Path) -> None:
    assert run(checkout, "scripts/ensure-uv.sh", "--path").stdout.strip() == ".tools/bin/uv"
    assert calls(checkout) == []


def test_make_bootstraps_uv_through_the_same_script(checkout: Path) -> None:
    dry = run(checkout, "make", "-n", "lint")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == "UV= scripts/ensure-uv.sh >/dev/null"
    assert ".tools/bin/uv run ruff check ." in dry.stdout


def test_scripts_stack_bootstraps_the_same_uv_when_none_is_on_path(checkout: Path) -> None:
    cwd = checkout.parent / "elsewhere"
    cwd.mkdir()
    done = subprocess.run(
        [str(checkout / "scripts" / "stack"), "status"],
        cwd=cwd,
        env={
            "PATH": str(checkout.parent / "bin"),
            "LOG": str(checkout.parent / "log"),
            "FAKES": str(checkout.parent / "fakes"),
            "STREETLEVEL_AREAS_FILE": "areas.csv",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # An area file named relative to where the operator stood, made absolute for the checkout.
    assert calls(checkout) == [
        "python3 -m venv .tools",
        "pip install -q uv==0.13.9",
        f"uv run --frozen python scripts/stack.py status (areas: {cwd}/areas.csv)",
    ]
