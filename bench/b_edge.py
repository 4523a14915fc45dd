"""The HTTP edge (docs/http.md): gzip's cost and gain on the export, and what the edge costs
``GET /v1/enterprises/{id}`` through the gateway (A/B: the same stack with the edge off)."""

from __future__ import annotations

import asyncio
import time
import zlib
from functools import partial
from typing import Any

import aiohttp
from b_data import scale_registry
from ctx import Ctx
from harness import get
from load import Wrk, alternate, median_rps, wrk
from measure import Result, cpu_seconds, median

EXPORT = "/v1/enterprises/export?format=ndjson"
EXPORT_ROWS = 200_000


def _paired_ratio(a: list[Wrk], b: list[Wrk]) -> float:
    return median([y.rps / x.rps for x, y in zip(a, b, strict=True) if x.rps])


def _per_request_ms(runs: list[Wrk], name: str) -> float:
    return median([r.cpu_s[name] / r.requests * 1000 for r in runs if r.requests])


async def _read_export(url: str, coding: str, pid: int) -> dict[str, Any]:
    """The whole export as a client that asks for ``coding`` reads it (and inflates it)."""
    inflate = zlib.decompressobj(31)
    lines = wire = 0
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=1800)
    async with (
        aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session,
        session.get(url + EXPORT, headers={"Accept-Encoding": coding}) as resp,
    ):
        if resp.status != 200:
            raise RuntimeError(f"export answered {resp.status}")
        coded = resp.headers.get("Content-Encoding")
        if coded != (None if coding == "identity" else "gzip"):
            raise RuntimeError(f"asked for {coding}, got Content-Encoding {coded}")
        async for chunk in resp.content.iter_chunked(1 << 16):
            wire += len(chunk)
            lines += (inflate.decompress(chunk) if coded else chunk).count(b"\n")
    elapsed = time.perf_counter() - t0
    return {
        "lines": lines,
        "wire_bytes": wire,
        "seconds": round(elapsed, 3),
        "rows_per_s": round(lines / elapsed, 1),
        "registry_cpu_s": round(cpu_seconds(pid) - cpu0, 3),
    }


def _export_arms(ctx: Ctx) -> dict[str, Any]:
    proc, url, _ = scale_registry(ctx, EXPORT_ROWS // (2 if ctx.quick else 1))
    env = {
        **ctx.stack.envs["registry"],
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_BUS": "memory",
        "REGISTRY_GZIP_STREAM_LEVEL": "6",
    }
    level6 = ctx.stack.launch_extra("registry-gzip6", "streetlevel.registry.app:create_app", env)
    arms = {
        "identity": (proc, "identity"),
        "gzip_level_1": (proc, "gzip"),
        "gzip_level_6": (level6, "gzip"),
    }
    try:
        asyncio.run(_read_export(proc.url, "identity", proc.pid))  # warm the cache
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in arms}
        for _ in range(2 if ctx.quick else 3):
            for name, (server, coding) in arms.items():
                runs[name].append(asyncio.run(_read_export(server.url, coding, server.pid)))
    finally:
        ctx.stack.stop_extra(level6)
    out: dict[str, Any] = {"rows_in_register": EXPORT_ROWS, "runs": runs}
    for name, rs in runs.items():
        rows = rs[0]["lines"]
        out[name] = {
            "rows": rows,
            "rows_per_s_median": round(median([r["rows_per_s"] for r in rs]), 1),
            "wire_bytes": rs[0]["wire_bytes"],
            "registry_cpu_ms_per_1000_rows": round(
                median([r["registry_cpu_s"] / r["lines"] * 1e6 for r in rs]), 3
            ),
        }
    plain = out["identity"]["wire_bytes"]
    for name in ("gzip_level_1", "gzip_level_6"):
        out[name]["bytes_saved_pct"] = round(100 * (1 - out[name]["wire_bytes"] / plain), 1)
        out[name]["rows_per_s_over_identity"] = round(
            out[name]["rows_per_s_median"] / out["identity"]["rows_per_s_median"], 3
        )
    return out


def _edge_pair(ctx: Ctx, edge: bool) -> tuple[Any, Any]:
    """A registry and a gateway in front of it, on the stack's databases, edge on or off.

    Both arms are started the same way (in-process bus, the stack's gateway keeping the feed
    lease), so the setting is the only difference between them.
    """
    flag = "true" if edge else "false"
    tag = "on" if edge else "off"
    registry_env = {
        **ctx.stack.envs["registry"],
        "REGISTRY_HTTP_EDGE": flag,
        "REGISTRY_BUS": "memory",  # no second relay on the stack's Kafka topics
    }
    registry = ctx.stack.launch_extra(
        f"registry-edge-{tag}", "streetlevel.registry.app:create_app", registry_env
    )
    gateway_env = {
        **ctx.stack.envs["gateway"],
        "GATEWAY_HTTP_EDGE": flag,
        "GATEWAY_REGISTRY_URL": registry.url,
    }
    try:
        gateway = ctx.stack.launch_extra(
            f"gateway-edge-{tag}", "streetlevel.gateway.app:create_app", gateway_env
        )
    except BaseException:
        ctx.stack.stop_extra(registry)
        raise
    return registry, gateway


def http_edge(ctx: Ctx) -> Result:
    res = Result(
        "http_edge",
        target="GET /v1/enterprises/{id} through the gateway with the HTTP edge on >= 0.95 x "
        "the same with it off (A/B, same run); export with and without gzip recorded",
    )
    token = ctx.token("app")
    path = f"/v1/enterprises/{ctx.public_ids(1)[0]}"
    if "GATEWAY_REGISTRY_URL" not in ctx.stack.envs["gateway"]:
        raise RuntimeError("the stack's gateway env names no GATEWAY_REGISTRY_URL")
    off_registry, off_gateway = _edge_pair(ctx, edge=False)
    on_registry, on_gateway = _edge_pair(ctx, edge=True)
    on = {"registry": on_registry, "gateway": on_gateway}
    reps = ctx.reps + 2  # the machine is shared: more pairs for the median
    try:
        for proc in (on["gateway"], off_gateway):
            status, _ = get(proc.url + path, {"Authorization": f"Bearer {token}"})
            if status != 200:
                raise RuntimeError(f"GET {proc.url}{path} answered {status}")
        pids_on = {"gateway": on["gateway"].pid, "registry": on["registry"].pid}
        pids_off = {"gateway": off_gateway.pid, "registry": off_registry.pid}
        run = partial(wrk, token=token, seconds=ctx.wrk_s)
        targets = {
            "edge_off": partial(run, off_gateway.url + path, pids=pids_off),
            "edge_on": partial(run, on["gateway"].url + path, pids=pids_on),
            "edge_on_gzip": partial(
                run, on["gateway"].url + path, pids=pids_on, accept_encoding="gzip"
            ),
        }
        warm = [on["gateway"].url + path, off_gateway.url + path]
        runs = alternate(
            targets,
            reps,
            warmup=lambda: [wrk(u, token=token, seconds=ctx.warmup_s) for u in warm],
        )
        size = len(get(on_registry.url + path, {"Authorization": f"Bearer {token}"})[1])
    finally:
        for proc in (on_gateway, on_registry, off_gateway, off_registry):
            ctx.stack.stop_extra(proc)
    res.figures["by_id"] = {
        name: {
            "rps_median": round(median_rps(rs), 1),
            "gateway_cpu_ms_per_request": round(_per_request_ms(rs, "gateway"), 3),
            "registry_cpu_ms_per_request": round(_per_request_ms(rs, "registry"), 3),
            "p50_ms_median": round(median([r.p50_ms for r in rs]), 3),
            "p99_ms_median": round(median([r.p99_ms for r in rs]), 3),
            "runs": [r.as_dict() for r in rs],
        }
        for name, rs in runs.items()
    }
    ratio = _paired_ratio(runs["edge_off"], runs["edge_on"])
    gzip_ratio = _paired_ratio(runs["edge_off"], runs["edge_on_gzip"])
    res.ratios = {
        "edge_on_over_off": round(ratio, 3),
        "edge_on_gzip_over_off": round(gzip_ratio, 3),
    }
    res.check("by_id_edge_on_ge_0.95_of_off", ratio >= 0.95)
    res.check("no_errors", all(r.errors == 0 for rs in runs.values() for r in rs))
    res.figures["export"] = _export_arms(ctx)
    res.inputs = {
        "path": path,
        "wrk": {"threads": 2, "connections": 32, "seconds": ctx.wrk_s, "warmup_s": ctx.warmup_s},
        "repetitions": reps,
        "arms": {
            "edge_off": "a registry and a gateway in front of it, started beside the stack's "
            "on its databases (in-process bus), with REGISTRY_HTTP_EDGE=false and "
            "GATEWAY_HTTP_EDGE=false (no HEAD/ETag/gzip layer, no auth-before-body layer)",
            "edge_on": "another such pair, started the same way with the edge on (the "
            "default); wrk sends no Accept-Encoding",
            "edge_on_gzip": f"the edge-on pair with Accept-Encoding: gzip (the record is {size} "
            "bytes, below the 1 KB threshold: this arm measures the negotiation only)",
        },
        "export": f"GET {EXPORT} of a register of {EXPORT_ROWS:,} enterprises, read to the end "
        "by aiohttp (inflating gzip itself), each arm once per round, rounds alternating",
    }
    exp = res.figures["export"]
    res.headline = (
        f"by id edge on/off {ratio:.3f}x ({res.figures['by_id']['edge_on']['rps_median']:.0f}/"
        f"{res.figures['by_id']['edge_off']['rps_median']:.0f} rps), gzip asked {gzip_ratio:.3f}x; "
        f"export identity {exp['identity']['rows_per_s_median']:,.0f} rows/s "
        f"{exp['identity']['wire_bytes'] / 1e6:.1f} MB, gzip-1 "
        f"{exp['gzip_level_1']['rows_per_s_median']:,.0f} rows/s "
        f"{exp['gzip_level_1']['wire_bytes'] / 1e6:.1f} MB"
    )
    return res
