"""``streetlevel areas load`` fills the embedded registry's area reference from the ONS file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

GEOGRAPHY = (
    next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists()).parent
    / "shared"
    / "data"
    / "geography"
)


def test_the_cli_loads_the_ons_lookup_with_counties_into_the_registry(tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "streetlevel"
    env = {**os.environ, "STREETLEVEL_DATA_DIR": str(tmp_path)}
    env.pop("STREETLEVEL_AREAS_FILE", None)
    args = [
        str(cli),
        "areas",
        "load",
        str(GEOGRAPHY / "lsoa21_ward24_lad24_england_wales.csv"),
        "--counties",
        str(GEOGRAPHY / "lads_england_2024.csv"),
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout[done.stdout.index("{") :])["loaded"] > 35_000
    with sqlite3.connect(tmp_path / "registry.db") as db:
        lsoas = db.execute("SELECT count(*) FROM areas WHERE type = 'lsoa'").fetchone()[0]
        fylde = db.execute("SELECT parent FROM areas WHERE code = 'E07000119'").fetchone()[0]
        blackpool_wards = db.execute(
            "SELECT count(*) FROM areas WHERE type = 'ward' AND parent = 'E06000009'"
        ).fetchone()[0]
    assert lsoas == 35_672
    assert fylde == "E10000017"
    assert blackpool_wards == 21
