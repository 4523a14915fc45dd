"""A/B of event_freshness settings on one stack: arms alternate, registry and commissioning
restarted with each arm's environment.

    uv run python bench/ab_freshness.py --rounds 3 --changes 1000 \
        --arm base: --arm wait5:COMMISSIONING_KAFKA_FETCH_MAX_WAIT_MS=5

Writes bench/results/ab_freshness.json; the ratios of each arm to the first, per round and
as medians, are what to read on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import uvloop
from b_events import _arm
from ctx import Ctx
from harness import STATE_DIR, BenchStack, Proc, spawn, stack, wait_ready
from measure import RESULTS, machine

from streetlevel.testing._proc import terminate

RESTARTED = ("registry", "commissioning")


def _restart(bench: BenchStack, env: dict[str, str]) -> None:
    """Restart the event path's two services with the stack's env plus ``env``."""
    for name in RESTARTED:
        old = bench.services[name]
        terminate(old.pid, timeout=30)
        port = int(old.url.rsplit(":", 1)[1])
        target = stack.Service(name, port).descriptor.factory
        started = time.monotonic()
        pid = spawn(name, target, port, {**bench.envs[name], **env})
        ready = wait_ready(name, old.url, pid, STATE_DIR / f"{name}.log", started)
        bench.services[name] = Proc(name, old.url, pid, ready)


def _parse_arm(text: str) -> tuple[str, dict[str, str]]:
    name, _, assignments = text.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if a)
    return name, env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arm", action="append", required=True, help="name:VAR=VAL,VAR=VAL")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument(
        "--rates", default="50,500", help="changes/s of each arm's runs, in order (e.g. 5,50)"
    )
    args = parser.parse_args()
    arms = [_parse_arm(a) for a in args.arm]
    rates = [float(r) for r in args.rates.split(",")]
    uvloop.install()
    facts = machine()
    bench = BenchStack.up()
    ctx = Ctx(stack=bench, quick=True, facts=facts)
    runs: list[dict[str, Any]] = []
    try:
        pool = ctx.public_ids((args.changes + 20) * len(arms) * args.rounds)
        for r in range(args.rounds):
            for a, (name, env) in enumerate(arms):
                start = (r * len(arms) + a) * (args.changes + 20)
                warm, ids = pool[start : start + 20], pool[start + 20 : start + 20 + args.changes]
                _restart(bench, env)
                _arm(
                    ctx, warm, 20.0, f"Warm-up {r} {name}"
                )  # the consumer has joined once these arrive
                at = {
                    f"{rate:g}/s": _arm(ctx, ids, rate, f"At {rate:g} {r} {name}") for rate in rates
                }
                runs.append({"round": r, "arm": name, "env": env, "rates": at})
                print(
                    f"round {r} {name}: "
                    + "; ".join(
                        f"{k} p50 {v['latency_ms']['p50']:.1f} p99 {v['latency_ms']['p99']:.1f}"
                        f" (load {v['load_at_start']}, CPU/change {v['cpu_ms_per_change']})"
                        for k, v in at.items()
                    ),
                    flush=True,
                )
                for arm in at.values():
                    splits = arm["stages_ms"]
                    print(
                        "   "
                        + "; ".join(
                            f"{k} {v['p50']:.1f}/{v['p99']:.1f}" for k, v in splits.items()
                        ),
                        flush=True,
                    )
    finally:
        bench.down()
    base = arms[0][0]
    ratios: dict[str, dict[str, float]] = {}
    for name, _env in arms[1:]:
        for arm in (f"{rate:g}/s" for rate in rates):
            for stat in ("p50", "p99"):
                per_round = [
                    b["rates"][arm]["latency_ms"][stat] / a["rates"][arm]["latency_ms"][stat]
                    for a, b in zip(
                        [x for x in runs if x["arm"] == base],
                        [x for x in runs if x["arm"] == name],
                        strict=True,
                    )
                ]
                ratios.setdefault(name, {})[f"{arm}_{stat}"] = round(
                    statistics.median(per_round), 3
                )
    out = {"facts": facts, "load_at_end": os.getloadavg(), "runs": runs, "ratios_to": base}
    out["ratios"] = ratios
    path = RESULTS / "ab_freshness.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps(ratios, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
