"""Sampling profiles of a running process with py-spy, summarised for the result files."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from measure import ROOT

PY_SPY = Path(sys.executable).parent / "py-spy"
#: Raw stacks stay out of git (bench/results keeps only the JSON summaries).
RAW = ROOT / ".streetlevel" / "bench-profiles"


class Profile:
    """``py-spy record`` attached to ``pid`` until ``stop``; raw stacks kept under RAW."""

    def __init__(self, pid: int, name: str, max_s: float = 120) -> None:
        RAW.mkdir(parents=True, exist_ok=True)
        self.path = RAW / f"{name}.txt"
        cmd = [str(PY_SPY), "record", "--pid", str(pid), "--rate", "200", "--format", "raw"]
        cmd += ["--nonblocking", "--duration", str(int(max_s)), "-o", str(self.path)]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self, top: int = 20) -> dict[str, Any]:
        """Stop sampling; the hottest functions by own time and by time inside them."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return {"error": "py-spy did not stop"}
        if not self.path.exists():
            return {"error": "py-spy wrote nothing (ptrace not permitted?)"}
        return summarise(self.path, top)


def _short(frame: str) -> str:
    # "func (path/to/module.py:123)" -> "func (module.py)"
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.split(':')[0]).name})" if where else name


def summarise(path: Path, top: int = 12) -> dict[str, Any]:
    own: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")[1:]]  # the first is the thread
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inside[frame] += n
    if not total:
        return {"samples": 0}

    def pct(counter: Counter[str]) -> list[list[Any]]:
        return [[f, round(100 * c / total, 1)] for f, c in counter.most_common(top)]

    return {
        "samples": total,
        "raw": str(path.relative_to(ROOT)),
        "own_pct": pct(own),
        "inclusive_pct": pct(inside),
    }
