"""A/B of the export and the search on a kept database: two registry builds, turns alternating.

    python bench/ab_data.py PG_DSN A_SRC B_SRC [--rounds N] [--only export|search]

``A_SRC``/``B_SRC`` are directories holding a ``services/registry/src`` and ``libs/common/src``
(``git archive <commit> services/registry/src libs/common/src | tar -x -C DIR``), or ``.`` for
the worktree; each build is a registry process started with that source first on PYTHONPATH.
The databases ``registry_10000`` and ``registry_1000000`` must exist, migrated and seeded
(``bench/seed.py``), so a run costs seconds instead of a 1M seeding. Evidence for
docs/benchmarks.md (issue 24 item 3): rows/s, registry and PostgreSQL CPU per 1,000 rows, and
search p95 at 10k and 1M, each a ratio within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import aiohttp
from b_data import SEARCH, _timed_gets
from harness import launch_app, stack, terminate
from measure import cpu_seconds, median, summary

EXPORT = "/v1/enterprises/export?format=ndjson"


def _postgres_cpu() -> float:
    """CPU seconds of every postgres process (the cluster is this run's own)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("postgres"):
            with contextlib.suppress(OSError, ValueError):
                total += cpu_seconds(int(pid))
    return total


async def _read(url: str, coding: str) -> tuple[int, int]:
    inflate = zlib.decompressobj(31)
    lines = wire = 0
    timeout = aiohttp.ClientTimeout(total=1800)
    async with (
        aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session,
        session.get(url + EXPORT, headers={"Accept-Encoding": coding}) as resp,
    ):
        coded = resp.headers.get("Content-Encoding")
        async for chunk in resp.content.iter_chunked(1 << 18):
            wire += len(chunk)
            lines += (inflate.decompress(chunk) if coded else chunk).count(b"\n")
    return lines, wire


def _curl(url: str, coding: str) -> tuple[int, int]:
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", "-H",
         f"Accept-Encoding: {coding}", url + EXPORT],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return 0, int(out.stdout)


def export_once(url: str, pid: int, coding: str, client: str, public: int) -> dict[str, Any]:
    cpu0, pg0, t0 = cpu_seconds(pid), _postgres_cpu(), time.perf_counter()
    if client == "curl":
        lines, wire = _curl(url, coding)
        lines = public
    else:
        lines, wire = asyncio.run(_read(url, coding))
    elapsed = time.perf_counter() - t0
    return {
        "rows_per_s": round(lines / elapsed),
        "wire_mb": round(wire / 1e6, 1),
        "registry_cpu_ms_per_1000": round((cpu_seconds(pid) - cpu0) / lines * 1e6, 3),
        "postgres_cpu_ms_per_1000": round((_postgres_cpu() - pg0) / lines * 1e6, 3),
    }


async def _search(urls: dict[str, str], rounds: int, per_round: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {k: [] for k in urls}
    async with aiohttp.ClientSession() as session:
        for url in urls.values():
            await _timed_gets(session, url, 10)
        for _ in range(rounds):
            for key, url in urls.items():
                samples[key] += await _timed_gets(session, url, per_round)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("export", "search"))
    parser.add_argument("--client", default="aiohttp", choices=("aiohttp", "curl"))
    parser.add_argument("--codings", default="identity,gzip")
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args()
    base = args.dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    svc = stack.Service("registry", 0)
    procs: dict[str, Any] = {}
    try:
        for arm, src in (("A", args.a), ("B", args.b)):
            root = Path(src).resolve()
            path = f"{root}/services/registry/src:{root}/libs/common/src"
            for rows in (10_000, args.big):
                env = stack.service_env(svc, f"{base}/registry_{rows}", "", None)
                env |= {"REGISTRY_BUS": "memory", "REGISTRY_LOG_LEVEL": "WARNING"}
                env["PYTHONPATH"] = path
                procs[f"{arm}{rows}"] = launch_app(
                    f"ab-{arm}-{rows}", "streetlevel.registry.app:create_app", env
                )
        out: dict[str, Any] = {"load_at_start": os.getloadavg()}
        if args.only in (None, "export"):
            runs: dict[str, list[dict[str, Any]]] = {}
            public = 0
            for coding in args.codings.split(","):
                for arm in ("A", "B"):
                    proc = procs[f"{arm}{args.big}"]
                    export_once(proc.url, proc.pid, coding, "aiohttp", 0)  # warm
                for _ in range(args.rounds):
                    for arm in ("A", "B"):
                        proc = procs[f"{arm}{args.big}"]
                        run = export_once(proc.url, proc.pid, coding, args.client, public)
                        runs.setdefault(f"{arm}_{coding}", []).append(run)
                        print(arm, coding, run, flush=True)
            out["export"] = {
                k: {f: median([r[f] for r in v]) for f in v[0]} for k, v in runs.items()
            }
        if args.only in (None, "search"):
            urls = {k: p.url + SEARCH for k, p in procs.items()}
            samples = asyncio.run(_search(urls, args.rounds * 3, 50))
            stats = {k: summary(v) for k, v in samples.items()}
            out["search_p95"] = {k: v["p95"] for k, v in stats.items()}
            out["search_ratio"] = {
                arm: round(stats[f"{arm}{args.big}"]["p95"] / stats[f"{arm}10000"]["p95"], 3)
                for arm in ("A", "B")
            }
        out["load_at_end"] = os.getloadavg()
        print(json.dumps(out, indent=1))
    finally:
        for proc in procs.values():
            terminate(proc.pid, timeout=20)


if __name__ == "__main__":
    main()
