"""``make run`` (``streetlevel serve``) prints the public site's URL before anything else."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from streetlevel.platform.demo import _announce


def test_the_first_line_make_run_prints_is_the_public_sites_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = SimpleNamespace(public_base_url="http://127.0.0.1:8000", data_dir=tmp_path)
    platform = SimpleNamespace(gateway=SimpleNamespace(settings=settings))
    demo = {"clients": {"registrar": {"client_id": "r", "client_secret": "s"}}, "enterprises": []}
    _announce(platform, demo)  # type: ignore[arg-type]
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0] == (
        "Street Level's public site: http://127.0.0.1:8000/  "
        "(the Blackpool demo: http://127.0.0.1:8000/areas/E06000009)"
    )
    assert lines[1] == "Street Level is running at http://127.0.0.1:8000"
