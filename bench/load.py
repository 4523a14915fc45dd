"""Load generators: wrk at saturation, and an open-loop fixed-rate generator for latency."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from measure import ROOT, cpu_seconds, median, summary

LUA = ROOT / "bench" / "report.lua"


@dataclass(frozen=True)
class Wrk:
    """One wrk run's outcome: throughput, latency percentiles (ms), errors, server CPU."""

    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_s: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "requests": self.requests,
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "errors": self.errors,
            "cpu_s": {k: round(v, 3) for k, v in self.cpu_s.items()},
        }


def wrk(
    url: str,
    *,
    token: str | None = None,
    seconds: float = 10,
    threads: int = 2,
    connections: int = 32,
    pids: dict[str, int] | None = None,
) -> Wrk:
    """Saturate ``url`` with wrk; CPU seconds used meanwhile by each process in ``pids``."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    cmd += ["--latency", "-s", str(LUA), url]
    before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    env = {**os.environ, "BENCH_TOKEN": token or ""}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    after = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
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
    )


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


async def open_loop(
    url: str,
    *,
    rate: float,
    seconds: float,
    token: str | None = None,
    connections: int = 64,
) -> dict[str, Any]:
    """Send at a constant ``rate``; each latency is measured from its *scheduled* send time.

    Timing from the schedule rather than the actual send keeps a stalled server from hiding
    its queue (coordinated omission): late requests count as late.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    latencies: list[float] = []
    errors = 0
    lateness: list[float] = []

    async def one(session: aiohttp.ClientSession, scheduled: float) -> None:
        nonlocal errors
        try:
            async with session.get(url, headers=headers) as resp:
                await resp.read()
                if resp.status >= 400:
                    errors += 1
        except aiohttp.ClientError:
            errors += 1
            return
        latencies.append((time.perf_counter() - scheduled) * 1000)

    async with aiohttp.ClientSession(connector=connector) as session:
        total = int(rate * seconds)
        tasks = []
        start = time.perf_counter() + 0.05
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lateness.append(max(0.0, -delay) * 1000)
            tasks.append(asyncio.create_task(one(session, scheduled)))
        await asyncio.gather(*tasks)
    stats = summary(latencies)
    return {
        "rate": rate,
        "seconds": seconds,
        "sent": len(tasks),
        "errors": errors,
        "latency_ms": stats,
        "samples_ms": latencies,
        "generator_late_ms_p99": summary(lateness)["p99"],
    }
