"""Process, port and file helpers shared by the throwaway PostgreSQL and Kafka servers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

LOOPBACK = "127.0.0.1"


class InfraError(RuntimeError):
    """A test server could not be prepared, started, reached or stopped."""


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int | None) -> bool:
    """Whether pid names a live process (zombies count as dead)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed child of ours stays a zombie until reaped; reap it if it is ours.
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state not in ("Z", "X"):
            return True
        # Our init may be slow to reap orphans, so a zombie counts as dead, but only once every
        # thread has exited: a killed JVM's leader turns Z while its other threads still unwind.
        return len(list(Path(f"/proc/{pid}/task").iterdir())) > 1
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        return True


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll check() until it is true or timeout seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def signal_group(pid: int, sig: int) -> None:
    """Send sig to pid's process group (servers run as session leaders), else to pid."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def children_of(pid: int) -> list[int]:
    """Pids whose parent is pid (Linux /proc scan)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == str(pid):
            kids.append(int(stat.parent.name))
    return kids


def terminate(pid: int | None, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Signal a server's process group, wait for it to exit and SIGKILL it if it lingers."""
    if not pid_alive(pid):
        return
    assert pid is not None
    signal_group(pid, sig)
    if not wait_until(lambda: not pid_alive(pid), timeout):
        signal_group(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(pid), 10.0)


def tail(path: Path, lines: int = 40) -> str:
    """Last lines of a text file, or a note that it does not exist."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:])


def read_pid(path: Path) -> int | None:
    """First line of a pid file as an int, or None."""
    try:
        first = path.read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None
