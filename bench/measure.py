"""Shared pieces of the benchmarks: statistics, machine facts, /proc readings, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0–100) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    """Count, median, p95, p99, max of a sample (units as given)."""
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
    }


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """The facts a reader needs to judge the figures: cores, memory, CPU, versions, load."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_mb": mem_kb // 1024,
        "cpu_model": cpu,
        "python": sys.version.split()[0],
        "kernel": platform.release(),
        "loadavg_at_start": list(os.getloadavg()),
        "wrk": _version(["wrk", "-v"]),
    }


def _version(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=5)
    except OSError:
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else None


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        # The command name may contain spaces; fields resume after the last ')'.
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far, from /proc/stat.

    Busy is user + nice + system + irq + softirq; iowait is idle; steal (time another tenant of
    the host took) is neither; guest time is already inside user.
    """
    with open("/proc/stat") as handle:
        user, nice, system, idle, iowait, irq, softirq = (
            int(x) for x in handle.readline().split()[1:8]
        )
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait


def busy_fraction(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of the machine's cores busy between two ``machine_ticks()`` readings."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) of a process in MiB."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Result:
    """One benchmark's record, written to bench/results/<name>.json."""

    name: str
    target: str
    inputs: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    headline: str = ""
    error: str | None = None
    seconds: float = 0.0

    @property
    def met(self) -> bool:
        return self.error is None and bool(self.checks) and all(self.checks.values())

    def check(self, name: str, ok: bool) -> None:
        self.checks[name] = bool(ok)

    def write(self, facts: dict[str, Any], quick: bool) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        record = {
            "name": self.name,
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "quick": quick,
            "machine": facts,
            "inputs": self.inputs,
            "figures": self.figures,
            "ratios": self.ratios,
            "target": self.target,
            "checks": self.checks,
            "met": self.met,
            "headline": self.headline,
            "notes": self.notes,
            "error": self.error,
            "seconds": round(self.seconds, 1),
        }
        path.write_text(json.dumps(record, indent=2, default=_jsonable) + "\n")
        return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    return str(value)


def rounded(value: Any, digits: int = 3) -> Any:
    """Round floats inside nested dicts and lists, for readable JSON."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value
