"""An ASGI app factory served by uvicorn on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from streetlevel.testing._proc import LOOPBACK, InfraError, free_port, tail, terminate


@contextlib.contextmanager
def live_app(
    factory: str, *, env: dict[str, str], log: Path, ready_path: str = "/livez", within: float = 120
) -> Iterator[str]:
    """Run ``uvicorn --factory <factory>`` with ``env`` added; yield its base URL once ready."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", factory]
    command.extend(["--host", LOOPBACK, "--port", str(port)])
    url = f"http://{LOOPBACK}:{port}"
    # The served address is the public base URL unless the caller names another.
    env = {"STREETLEVEL_PUBLIC_BASE_URL": url, **env}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so terminate() reaches every child
        )
    try:
        deadline = time.monotonic() + within
        while not _answers(url + ready_path):
            if proc.poll() is not None:
                raise InfraError(f"{factory} exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() > deadline:
                raise InfraError(f"{factory} was not ready within {within} s:\n{tail(log)}")
            time.sleep(0.2)
        yield url
    finally:
        terminate(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback http)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
