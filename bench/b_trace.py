"""Tracing's cost on GET /v1/enterprises/{id} through the gateway: off, 1 % and 100 % sampled."""

from __future__ import annotations

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ctx import Ctx
from harness import get
from load import Wrk, alternate, median_rps, wrk
from measure import Result, median

#: The arms: the standard variables each pair of processes is started with.
ARMS: dict[str, dict[str, str]] = {
    "off": {},
    "sampled_1pct": {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.01",
    },
    "sampled_100pct": {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    },
}


class _Sink(ThreadingHTTPServer):
    """An OTLP/HTTP endpoint that accepts and counts export requests (a collector's stand-in)."""

    exports = 0
    bytes = 0


class _Accept(BaseHTTPRequestHandler):
    server: _Sink

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(size)
        self.server.exports += 1
        self.server.bytes += size
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _per_request_ms(runs: list[Wrk], name: str) -> float:
    return median([r.cpu_s[name] / r.requests * 1000 for r in runs if r.requests])


def _paired_ratio(a: list[Wrk], b: list[Wrk]) -> float:
    return median([y.rps / x.rps for x, y in zip(a, b, strict=True) if x.rps])


def _pair(ctx: Ctx, arm: str, otel: dict[str, str], endpoint: str) -> tuple[Any, Any]:
    """A registry and a gateway in front of it, started alike but for the OTEL_* variables."""
    common = {**otel, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint} if otel else {}
    registry_env = {
        **ctx.stack.envs["registry"],
        **common,
        "REGISTRY_BUS": "memory",  # no second relay on the stack's Kafka topics
    }
    registry = ctx.stack.launch_extra(
        f"registry-trace-{arm}", "streetlevel.registry.app:create_app", registry_env
    )
    gateway_env = {**ctx.stack.envs["gateway"], **common, "GATEWAY_REGISTRY_URL": registry.url}
    try:
        gateway = ctx.stack.launch_extra(
            f"gateway-trace-{arm}", "streetlevel.gateway.app:create_app", gateway_env
        )
    except BaseException:
        ctx.stack.stop_extra(registry)
        raise
    return registry, gateway


def tracing_cost(ctx: Ctx) -> Result:
    res = Result(
        "tracing_cost",
        target="GET /v1/enterprises/{id} through the gateway with tracing at 1 % sampling "
        ">= 0.95 x tracing off (A/B/C, same run); 100 % sampling recorded",
    )
    token = ctx.token("app")
    path = f"/v1/enterprises/{ctx.public_ids(1)[0]}"
    sink = _Sink(("127.0.0.1", 0), _Accept)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{sink.server_port}"
    pairs: dict[str, tuple[Any, Any]] = {}
    reps = ctx.reps + 2  # the machine is shared: more rounds for the median
    try:
        for arm, otel in ARMS.items():
            pairs[arm] = _pair(ctx, arm, otel, endpoint)
        for _registry, gateway in pairs.values():
            status, _ = get(gateway.url + path, {"Authorization": f"Bearer {token}"})
            if status != 200:
                raise RuntimeError(f"GET {gateway.url}{path} answered {status}")
        run = partial(wrk, token=token, seconds=ctx.wrk_s)
        targets = {
            arm: partial(
                run, gateway.url + path, pids={"gateway": gateway.pid, "registry": registry.pid}
            )
            for arm, (registry, gateway) in pairs.items()
        }
        warm = [gateway.url + path for _registry, gateway in pairs.values()]
        runs = alternate(
            targets,
            reps,
            warmup=lambda: [wrk(u, token=token, seconds=ctx.warmup_s) for u in warm],
        )
    finally:
        for registry, gateway in pairs.values():
            ctx.stack.stop_extra(gateway)  # stopping flushes the last spans to the sink
            ctx.stack.stop_extra(registry)
        sink.shutdown()
        sink.server_close()
    res.figures["by_id"] = {
        arm: {
            "rps_median": round(median_rps(rs), 1),
            "gateway_cpu_ms_per_request": round(_per_request_ms(rs, "gateway"), 3),
            "registry_cpu_ms_per_request": round(_per_request_ms(rs, "registry"), 3),
            "p50_ms_median": round(median([r.p50_ms for r in rs]), 3),
            "p99_ms_median": round(median([r.p99_ms for r in rs]), 3),
            "runs": [r.as_dict() for r in rs],
        }
        for arm, rs in runs.items()
    }
    res.figures["otlp_sink"] = {"export_requests": sink.exports, "bytes": sink.bytes}
    one = _paired_ratio(runs["off"], runs["sampled_1pct"])
    full = _paired_ratio(runs["off"], runs["sampled_100pct"])
    res.ratios = {"sampled_1pct_over_off": round(one, 3), "sampled_100pct_over_off": round(full, 3)}
    res.check("by_id_1pct_ge_0.95_of_off", one >= 0.95)
    res.check("spans_reached_the_otlp_sink", sink.exports > 0)
    res.check("no_errors", all(r.errors == 0 for rs in runs.values() for r in rs))
    res.inputs = {
        "path": path,
        "wrk": {"threads": 2, "connections": 32, "seconds": ctx.wrk_s, "warmup_s": ctx.warmup_s},
        "repetitions": reps,
        "arms": {
            arm: "a registry and a gateway in front of it, started beside the stack's on its "
            f"databases (in-process bus), with {otel or 'no OTEL_* variables'}"
            for arm, otel in ARMS.items()
        },
        "exporter": "OTLP/HTTP (protobuf, batched) to a sink in the benchmark process that "
        "accepts and discards; wrk sends no traceparent, so the gateway samples",
    }
    res.headline = (
        f"by id 1 %/off {one:.3f}x, 100 %/off {full:.3f}x "
        f"({res.figures['by_id']['off']['rps_median']:.0f}/"
        f"{res.figures['by_id']['sampled_1pct']['rps_median']:.0f}/"
        f"{res.figures['by_id']['sampled_100pct']['rps_median']:.0f} rps)"
    )
    return res
