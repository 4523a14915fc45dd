"""A/B of the HTTP hot path: a base commit's registry/gateway against the working tree's.

    uv run python bench/ab_hotpath.py up            # stack + seed + token; stays up (Ctrl-C)
    uv run python bench/ab_hotpath.py registry BASE [--rounds N] [--seconds S]
    uv run python bench/ab_hotpath.py gateway BASE [--rounds N] [--seconds S]

``BASE`` is a commit: its code (``git archive``) runs on ``PYTHONPATH`` in the A process, the
working tree's in the B process, side by side on the stack ``up`` left running; arms alternate
and the ratios are paired within each round (the machine is shared, only ratios mean anything).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from functools import partial
from pathlib import Path

import nginx
from ctx import Ctx
from harness import STATE_DIR, BenchStack, Proc, get, git_tree, launch_app
from load import Wrk, wrk
from measure import ROOT, median

from streetlevel.testing._proc import terminate

STATE = STATE_DIR / "ab-hotpath.json"


def up() -> None:
    """Bring the stack up, seed it, write what the A/B runs need, and wait to be stopped."""
    # Blocked, so that sigwait receives them instead of Python's handlers.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    stack = BenchStack.up()
    try:
        ctx = Ctx(stack, quick=True, facts={})
        state = {
            "token": ctx.token("app"),
            "enterprise": ctx.public_ids(1)[0],
            "envs": stack.envs,
            "registry": stack.url("registry"),
        }
        STATE.write_text(json.dumps(state))
        print("ab: stack up", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        stack.down()


def _base_tree(commit: str) -> str:
    """The base commit's source directories, for ``PYTHONPATH``."""
    target = git_tree(commit, f"base-{commit}")
    dirs = sorted(target.glob("libs/*/src")) + sorted(target.glob("services/*/src"))
    dirs.append(target / "platform" / "src")
    return os.pathsep.join(str(d) for d in dirs)


def _launch(name: str, service: str, env: dict[str, str], pythonpath: str | None) -> Proc:
    from harness import stack as stack_module

    svc = stack_module.Service(service, 0)
    extra = dict(env)
    if pythonpath is not None:
        extra["PYTHONPATH"] = pythonpath
    return launch_app(name, svc.descriptor.factory, extra)


def _per_request(runs: list[Wrk], name: str) -> float:
    return median([r.cpu_s[name] / r.requests * 1000 for r in runs if r.requests])


def run(what: str, base: str, rounds: int, seconds: float) -> None:
    state = json.loads(STATE.read_text())
    token, path = state["token"], f"/v1/enterprises/{state['enterprise']}"
    env = state["envs"][what]
    procs = {
        "A": _launch(f"ab-{what}-A", what, env, _base_tree(base)),
        "B": _launch(f"ab-{what}-B", what, env, None),
    }
    peer = None
    try:
        if what == "registry":
            _, body = get(state["registry"] + path, {"Authorization": f"Bearer {token}"})
            body_file = STATE_DIR / "ab-body.json"
            body_file.write_bytes(body)
            menv = {"BENCH_BODY_FILE": str(body_file), "PYTHONPATH": str(ROOT / "bench")}
            procs["ref"] = launch_app("ab-minimal", "minimal_app:fastapi_app", menv, factory=False)
        else:
            peer = nginx.start(state["registry"])
        arms = {n: (p.url, p.pid) for n, p in procs.items()}
        if peer is not None:
            arms["ref"] = (peer.url, peer.worker)
        go = {
            n: partial(wrk, u + path, token=token, seconds=seconds, pids={n: pid})
            for n, (u, pid) in arms.items()
        }
        for fn in go.values():
            fn.keywords["seconds"] = 2
            fn()
            fn.keywords["seconds"] = seconds
        runs: dict[str, list[Wrk]] = {n: [] for n in go}
        load = os.getloadavg()[0]
        for i in range(rounds):
            order = list(go) if i % 2 == 0 else list(reversed(go))
            for n in order:
                runs[n].append(go[n]())
            row = {n: f"{runs[n][-1].rps:.0f}rps/{_per_request(runs[n][-1:], n):.3f}ms" for n in go}
            print(f"round {i + 1}: {row}", flush=True)
        cpu_ratio = median(
            [
                (b.cpu_s["B"] / b.requests) / (a.cpu_s["A"] / a.requests)
                for a, b in zip(runs["A"], runs["B"], strict=True)
            ]
        )
        rps_a = median([r.rps / x.rps for r, x in zip(runs["A"], runs["ref"], strict=True)])
        rps_b = median([r.rps / x.rps for r, x in zip(runs["B"], runs["ref"], strict=True)])
        cpu_a = median(
            [
                (r.cpu_s["A"] / r.requests) / (x.cpu_s["ref"] / x.requests)
                for r, x in zip(runs["A"], runs["ref"], strict=True)
            ]
        )
        cpu_b = median(
            [
                (r.cpu_s["B"] / r.requests) / (x.cpu_s["ref"] / x.requests)
                for r, x in zip(runs["B"], runs["ref"], strict=True)
            ]
        )
        errors = sum(r.errors for rs in runs.values() for r in rs)
        print(
            f"{what} {base[:8]} -> tree: load {load:.1f}->{os.getloadavg()[0]:.1f}, "
            f"errors {errors}\n"
            f"  CPU/request A {_per_request(runs['A'], 'A'):.3f} ms, "
            f"B {_per_request(runs['B'], 'B'):.3f} ms, ref {_per_request(runs['ref'], 'ref'):.3f}"
            f" ms; paired B/A CPU {cpu_ratio:.3f}\n"
            f"  rps / ref: A {rps_a:.3f}, B {rps_b:.3f}; CPU / ref: A {cpu_a:.2f}, B {cpu_b:.2f}",
            flush=True,
        )
    finally:
        if peer is not None:
            peer.stop()
        for proc in procs.values():
            terminate(proc.pid, timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["up", "registry", "gateway"])
    parser.add_argument("base", nargs="?", default="HEAD")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    if args.what == "up":
        up()
    else:
        run(args.what, args.base, args.rounds, args.seconds)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    time.tzset()
    main()
