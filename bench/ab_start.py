"""A/B of service start-up: this checkout against another commit, alternating, in one run.

    uv run python bench/ab_start.py BASE_COMMIT [--candidate COMMIT] [--rounds 4] [--only ...]

The base commit's sources are unpacked under the bench state directory and put first on
``PYTHONPATH`` for the A side; the B side is this working tree (the venv's editable installs
point at it) or, with ``--candidate``, another commit unpacked the same way. The stack
(PostgreSQL, Kafka, every service) is brought up as ``bench/run.py`` does, so the gateway's
upstreams answer; then, service by service and round by round, one more instance of A and of
B (order swapped each round) is started, timed to its first /readyz 200, left idle and its RSS
read. Start-up is sensitive to load, so only the ratio B/A within a round means anything; the
median of those ratios is printed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import harness
from harness import HOST, STATE_DIR, BenchStack, compile_bytecode, git_tree, spawn, wait_ready
from measure import median, rss_mb

from streetlevel.testing._proc import free_port, terminate
from streetlevel.testing.infra import start_kafka

# A loaded machine (the reason for A/B) can take longer than the usual 30 s to start Kafka.
harness.start_kafka = functools.partial(start_kafka, timeout=180)  # type: ignore[attr-defined]

IDLE_S = 3.0


def unpack(commit: str) -> Path:
    """The commit's tree under the state directory, bytecode compiled; its ``src`` dirs."""
    base = git_tree(commit, f"ab-{commit[:12]}")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *map(str, base.glob("*/*/src"))],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    return base


def one_start(name: str, target: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first /readyz 200 and idle RSS (MiB) of one fresh instance."""
    port, label = free_port(), f"ab-{name}"
    started = time.monotonic()
    pid = spawn(label, target, port, env)
    try:
        ready = wait_ready(label, f"http://{HOST}:{port}", pid, STATE_DIR / f"{label}.log", started)
        time.sleep(IDLE_S)
        rss = rss_mb(pid)
    finally:
        terminate(pid, timeout=20)
    return ready, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", help="the A commit (B is this checkout)")
    parser.add_argument("--candidate", help="the B commit (default: this working tree)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    base = unpack(args.base)
    base_path = os.pathsep.join(str(p) for p in sorted(base.glob("*/*/src")))
    cand_path = None
    if args.candidate:
        cand = unpack(args.candidate)
        cand_path = os.pathsep.join(str(p) for p in sorted(cand.glob("*/*/src")))
    compile_bytecode()
    print(f"load before: {os.getloadavg()}", flush=True)
    stack = BenchStack.up()
    report: dict[str, dict[str, object]] = {}
    try:
        names = [n for n in stack.services if not args.only or n in args.only]
        for name in names:
            target = f"streetlevel.{name}.app:create_app"
            env_b = dict(stack.envs[name])
            env_a = env_b | {"PYTHONPATH": base_path}
            if cand_path:
                env_b["PYTHONPATH"] = cand_path
            runs: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
            ratios, rss_ratios = [], []
            for r in range(args.rounds):
                order = ("A", "B") if r % 2 == 0 else ("B", "A")
                got = {}
                for side in order:
                    got[side] = one_start(name, target, env_a if side == "A" else env_b)
                    runs[side].append(got[side])
                ratios.append(got["B"][0] / got["A"][0])
                rss_ratios.append(got["B"][1] / got["A"][1])
                print(
                    f"{name} round {r}: A {got['A'][0]:.3f}s {got['A'][1]:.1f}MB  "
                    f"B {got['B'][0]:.3f}s {got['B'][1]:.1f}MB  "
                    f"ratio {ratios[-1]:.3f}  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            report[name] = {
                "ready_s_a": median([x[0] for x in runs["A"]]),
                "ready_s_b": median([x[0] for x in runs["B"]]),
                "rss_mb_a": median([x[1] for x in runs["A"]]),
                "rss_mb_b": median([x[1] for x in runs["B"]]),
                "ready_ratio_b_over_a": round(median(ratios), 3),
                "rss_ratio_b_over_a": round(median(rss_ratios), 3),
            }
    finally:
        stack.down()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
