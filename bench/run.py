"""Run the platform's benchmarks against a native stack; write bench/results/<name>.json.

    uv run python bench/run.py [--only NAME ...] [--quick]

It brings up its own PostgreSQL, Kafka and one uvicorn process per service (under
.streetlevel/bench-stack), runs each benchmark, prints a table, and tears everything down.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import traceback
from collections.abc import Callable

import b_data
import b_edge
import b_events
import b_http
import b_replicas
import b_start
import b_trace
import b_web
import b_webhooks
import uvloop
from ctx import Ctx
from harness import BenchStack
from measure import RESULTS, ROOT, Result, machine

BENCHMARKS: dict[str, Callable[[Ctx], Result]] = {
    "start_footprint": b_start.start_footprint,
    "gateway_overhead": b_http.gateway_overhead,
    "framework_ceiling": b_http.framework_ceiling,
    "search_scale": b_data.search_scale,
    "export": b_data.export,
    "event_freshness": b_events.event_freshness,
    "event_throughput": b_events.event_throughput,
    "consumer_replicas": b_replicas.consumer_replicas,
    "http_edge": b_edge.http_edge,
    "web_pages": b_web.web_pages,
    "tracing_cost": b_trace.tracing_cost,
    "webhook_delivery": b_webhooks.webhook_delivery,
}


def run_one(name: str, ctx: Ctx) -> Result:
    started = time.monotonic()
    print(f"bench: {name} ...", flush=True)
    try:
        result = BENCHMARKS[name](ctx)
    except Exception as exc:  # one failing benchmark must not hide the others' figures
        traceback.print_exc()
        result = Result(name, target="(not measured)", error=f"{type(exc).__name__}: {exc}")
    result.seconds = time.monotonic() - started
    path = result.write(ctx.facts, ctx.quick)
    verdict = "MET" if result.met else ("ERROR" if result.error else "NOT MET")
    print(f"bench: {name}: {verdict} — {result.headline or result.error} ({path.name})")
    return result


def table(results: list[Result]) -> str:
    rows = [("benchmark", "met", "figures", "target")]
    for r in results:
        met = "yes" if r.met else ("ERROR" if r.error else "no")
        rows.append((r.name, met, r.headline or (r.error or ""), r.target))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        lines.append(" | ".join(cells) + " | " + row[3])
    lines.insert(1, "-+-".join("-" * w for w in widths) + "-+-" + "-" * 20)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller loads")
    args = parser.parse_args(argv)
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    for script in ("ensure-wrk.sh", "ensure-loadgen.sh", "ensure-nginx.sh"):
        subprocess.run([str(ROOT / "scripts" / script)], check=True)
    uvloop.install()
    facts = machine()
    print(f"bench: {facts['nproc']} cores, {facts['cpu_model']}, load {facts['loadavg_at_start']}")
    t0 = time.monotonic()
    stack = BenchStack.up()
    print(f"bench: stack up in {time.monotonic() - t0:.0f}s", flush=True)
    ctx = Ctx(stack=stack, quick=args.quick, facts=facts)
    results = []
    try:
        b_start.record_idle(ctx)
        for name in names:
            results.append(run_one(name, ctx))
    finally:
        stack.down()
    print()
    print(table(results))
    print(f"\nbench: results in {RESULTS}; {time.monotonic() - t0:.0f}s in all")
    return 0 if all(r.error is None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
