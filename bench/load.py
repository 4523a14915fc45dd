"""Load generators: wrk at saturation, and an open-loop fixed-rate generator for latency."""

from __future__ import annotations

import json
import os
import resource
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from measure import ROOT, busy_fraction, cpu_seconds, machine_ticks, median, summary

LUA = ROOT / "bench" / "report.lua"
LOADGEN = ROOT / ".streetlevel" / "bin" / "loadgen"


@dataclass(frozen=True)
class Wrk:
    """One wrk run's outcome: throughput, latency percentiles (ms), errors, server CPU."""

    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_s: dict[str, float]
    machine_busy: float  # share of all cores busy during the run (every process, wrk too)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "requests": self.requests,
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "errors": self.errors,
            "cpu_s": {k: round(v, 3) for k, v in self.cpu_s.items()},
            "machine_busy": round(self.machine_busy, 3),
        }


def wrk(
    url: str,
    *,
    token: str | None = None,
    seconds: float = 10,
    threads: int = 2,
    connections: int = 32,
    pids: dict[str, int] | None = None,
    accept_encoding: str | None = None,
) -> Wrk:
    """Saturate ``url`` with wrk; CPU seconds used meanwhile by each process in ``pids``."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    cmd += ["--latency", "-s", str(LUA), url]
    before, ticks, spent = _cpu(pids or {}), machine_ticks(), _children_cpu()
    env = {**os.environ, "BENCH_TOKEN": token or "", "BENCH_ACCEPT_ENCODING": accept_encoding or ""}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    after, busy = _cpu(pids or {}), busy_fraction(ticks, machine_ticks())
    after["wrk"], before["wrk"] = _children_cpu(), spent
    line = next((x for x in res.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if res.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({res.returncode}): {res.stdout[-1000:]} {res.stderr}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    errors = sum(v for k, v in data.items() if k.startswith("err_"))
    return Wrk(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        requests=data["requests"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        cpu_s={name: after[name] - before[name] for name in before},
        machine_busy=busy,
    )


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    try:
        return {name: cpu_seconds(pid) for name, pid in pids.items()}
    except FileNotFoundError as exc:
        gone = [
            f"{name} (pid {pid})"
            for name, pid in pids.items()
            if not os.path.exists(f"/proc/{pid}")
        ]
        raise RuntimeError(f"measured process exited during the run: {', '.join(gone)}") from exc


def alternate(
    targets: Mapping[str, Callable[[], Wrk]], reps: int, warmup: Callable[[], Any] | None = None
) -> dict[str, list[Wrk]]:
    """Run every target once per round, A B A B …, after an optional warm-up."""
    if warmup is not None:
        warmup()
    runs: dict[str, list[Wrk]] = {name: [] for name in targets}
    for _ in range(reps):
        for name, run in targets.items():
            runs[name].append(run())
    return runs


def median_rps(runs: list[Wrk]) -> float:
    return median([r.rps for r in runs])


def open_loop(
    url: str,
    *,
    rate: float,
    seconds: float,
    token: str | None = None,
    connections: int = 64,
    pids: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Send GETs at a constant ``rate``; each latency is measured from its *scheduled* send time.

    Timing from the schedule rather than the actual send keeps a stalled server from hiding
    its queue (coordinated omission): late requests count as late. The sender is
    ``bench/loadgen`` (compiled Go, keep-alive connections opened before the clock starts), so
    that the generator's own CPU does not compete with the servers it measures.
    """
    cmd = [str(LOADGEN), "-url", url, "-rate", f"{rate:g}", "-duration", f"{seconds:g}s"]
    cmd += ["-connections", str(connections), "-samples"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    ticks, before, spent = machine_ticks(), _cpu(pids or {}), _children_cpu()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    busy, after = busy_fraction(ticks, machine_ticks()), _cpu(pids or {})
    cpu = {name: after[name] - before[name] for name in before}
    cpu["loadgen"] = _children_cpu() - spent
    if res.returncode != 0:
        raise RuntimeError(f"loadgen failed ({res.returncode}): {res.stderr[-1000:]}")
    data: dict[str, Any] = json.loads(res.stdout)
    samples = data.pop("samples_ms", None) or []
    return {
        "rate": rate,
        "seconds": seconds,
        "sent": data["sent"],
        "errors": data["errors"],
        "statuses": data["statuses"],
        "latency_ms": summary(samples),
        "samples_ms": samples,
        "generator_late_ms_p99": data["generator_late_ms_p99"],
        "wall_seconds": data["wall_seconds"],
        "machine_busy": round(busy, 3),
        "cpu_ms_per_request": {
            name: round(seconds * 1000 / max(data["sent"], 1), 3) for name, seconds in cpu.items()
        },
    }


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: the load generator's."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
