"""The public site on the native stack: the area page's p95 at a steady rate, warm and cold.

The site runs as its own process (as on the native stack and in Kubernetes) and reads the API
over HTTP from the gateway of a native stack (PostgreSQL, Kafka, one uvicorn per service) that
holds demo-like data: the e2e harness's world (``tests/e2e/harness``: its ``Platform`` and
``build_world``, reused as they are), which awards a commission, starts the contract by moving
commissioning and outcomes ahead with ``<SERVICE>_CLOCK_OFFSET_S``, and verifies outcomes in an
ended period in Anchorsholme. Cold: the site's cache is off (every page asks the gateway for
everything); warm: the default cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import importlib
import json
import os
import sys
import time
import urllib.parse
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from ctx import Ctx
from harness import STATE_DIR, Proc, launch_app
from measure import ROOT, Result, machine, summary

from streetlevel.testing._proc import terminate
from streetlevel.testing.harness import HARNESS
from streetlevel.testing.harness import e2e_harness as load_e2e_harness

WARD_CODE = "E05015186"  # Anchorsholme: the world's contract delivers and reports here
WARD = f"/areas/{WARD_CODE}"
RATE_PER_S = 20
WARM_P95_MS = 50.0
COLD_P95_MS = 250.0
MAX_PAGE_BYTES = 100_000
BROWSER = {"Accept": "text/html,*/*;q=0.8"}
#: The stack's services log warnings only, as the bench stack's do (no access line per read).
QUIET = ("REGISTRY", "COMMISSIONING", "OUTCOMES", "NOTIFICATIONS", "GATEWAY")


def e2e_harness() -> ModuleType:
    """tests/e2e/harness as a package (it is not installed; its modules import each other)."""
    return load_e2e_harness(ROOT / "uv.lock")


async def _world(platform: Any) -> Any:
    """The e2e session's cast and world (tests/e2e/conftest.py's fixtures, as one call)."""
    e2e_harness()
    actors = importlib.import_module(f"{HARNESS}.actors")
    api_mod = importlib.import_module(f"{HARNESS}.api")
    world_mod = importlib.import_module(f"{HARNESS}.world")
    made = platform.cli("clients", "create", "--kind", "registrar", "--name", "bench operator")
    admin = api_mod.Actor("registrar", "registrar", made["client_id"], made["client_secret"])
    api = api_mod.Api.over(platform.gateway_url)
    try:
        known = (await api.get("/v1/admin/councils", admin, expect=200)).json()
        cast = await actors.cast_from_admin(api, admin, known_councils={c["org_id"] for c in known})
        return await world_mod.build_world(api, cast, platform)
    finally:
        await api.close()


@contextlib.contextmanager
def native_world() -> Iterator[tuple[Any, Any]]:
    """A native stack of its own with the world built on it; torn down on leaving."""
    platform_mod = importlib.import_module(f"{e2e_harness().__name__}.platform")
    quiet = {f"{p}_LOG_LEVEL": "WARNING" for p in QUIET}
    saved = {k: os.environ.get(k) for k in quiet}
    os.environ.update(quiet)  # the stack's processes inherit the environment
    try:
        platform = platform_mod.Platform.up()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield platform, asyncio.run(_world(platform))
    finally:
        platform.down()


def steady(url: str, path: str, seconds: float, rate: int = RATE_PER_S) -> list[float]:
    """Latencies (ms) of GETs sent at a fixed rate over one keep-alive connection."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    times = []
    start = time.perf_counter()
    for i in range(int(seconds * rate)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t0 = time.perf_counter()
        conn.request("GET", path, headers=BROWSER)
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - t0) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    conn.close()
    return times


def weight(url: str, path: str) -> int:
    """Bytes of the page's HTML plus its stylesheet (the only other thing it loads)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    total = 0
    for each in (path, "/site.css"):
        conn.request("GET", each, headers=BROWSER)
        response = conn.getresponse()
        total += len(response.read())
        if response.status != 200:
            raise RuntimeError(f"{each}: {response.status}")
    conn.close()
    return total


def _site(name: str, gateway_url: str, **extra: str) -> Proc:
    # JSON access lines at INFO carry each request's server time (``http.duration_ms``).
    env = {
        "WEB_GATEWAY_URL": gateway_url,
        "WEB_PUBLIC_BASE_URL": gateway_url,
        "WEB_LOG_LEVEL": "INFO",
        "WEB_LOG_JSON": "true",
        **extra,
    }
    return launch_app(name, "streetlevel.web.app:create_app", env)


def _log_end(proc: Proc) -> int:
    path = STATE_DIR / f"{proc.name}.log"
    return path.stat().st_size if path.exists() else 0


def server_ms(proc: Proc, since: int, path: str) -> list[float]:
    """The site's own time (ms) for each 200 of ``path`` it logged after byte ``since``."""
    times = []
    with (STATE_DIR / f"{proc.name}.log").open("rb") as log:
        log.seek(since)
        for line in log:
            try:
                http_ = json.loads(line).get("http")
            except ValueError:
                continue
            if isinstance(http_, dict) and http_.get("path") == path and http_.get("status") == 200:
                times.append(float(http_["duration_ms"]))
    return times


def steady_measured(proc: Proc, path: str, seconds: float) -> tuple[list[float], list[float]]:
    """Client latencies and the site's server times of one steady run."""
    # An access line is written just after its response: a warm-up line may come late, and
    # the last measured one may not be written yet, so count from the end once all are there.
    since = _log_end(proc)
    client = steady(proc.url, path, seconds)
    deadline = time.monotonic() + 10
    while len(server := server_ms(proc, since, path)) < len(client):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{proc.name}: {len(server)} access lines, {len(client)} requests")
        time.sleep(0.1)
    return client, server[-len(client) :]


def web_pages(ctx: Ctx) -> Result:
    """Its own native stack with the e2e world (the bench stack has no areas file or outcomes)."""
    return measure(seconds=ctx.wrk_s, warmup_s=ctx.warmup_s)


def measure(*, seconds: float, warmup_s: float) -> Result:
    result = Result(
        "web_pages",
        target=f"area page p95 <= {WARM_P95_MS:.0f} ms warm, <= {COLD_P95_MS:.0f} ms cold "
        f"at {RATE_PER_S}/s; every page kind <= {MAX_PAGE_BYTES // 1000} KB HTML + CSS",
    )
    started = time.monotonic()
    with native_world() as (platform, world):
        world_s = time.monotonic() - started
        gateway = platform.gateway_url
        sites: list[Proc] = []
        paths = {
            "home": "/",
            "ward": WARD,
            "district": "/areas/E06000009",
            "lsoa": "/areas/E01012664",
            "enterprise": f"/enterprises/{world.ids['enterprise_id']}",
            "commission": f"/commissions/{world.ids['commission_id']}",
            "open-data": "/open-data",
        }
        try:
            sites.append(warm := _site("web-warm", gateway))
            sites.append(
                cold := _site("web-cold", gateway, WEB_CACHE_TTL_S="0", WEB_CACHE_ENTRIES="1")
            )
            # Every answer kept but none trusted: each read revalidated (If-None-Match → 304).
            sites.append(revalidating := _site("web-revalidating", gateway, WEB_CACHE_TTL_S="0"))
            load = os.getloadavg()
            measured = {}
            for arm, site, warmup in (
                ("warm", warm, warmup_s),
                ("cold", cold, 1.0),
                ("revalidating", revalidating, 1.0),
            ):
                steady(site.url, WARD, warmup)
                client, server = steady_measured(site, WARD, seconds)
                measured[arm] = (summary(server), summary(client))
            weights = {kind: weight(warm.url, path) for kind, path in paths.items()}
        finally:
            for proc in reversed(sites):
                terminate(proc.pid, timeout=20)
    result.inputs = {
        "rate_per_s": RATE_PER_S,
        "seconds": seconds,
        "page": WARD,
        "upstream": "native stack (tests/e2e/harness Platform) with the e2e world",
        "world_built_s": round(world_s, 1),
        "loadavg_at_measure": [round(x, 2) for x in load],
    }
    warm_ms, cold_ms = measured["warm"][0], measured["cold"][0]
    result.figures = {
        **{f"area_page_{arm}_ms": pair[0] for arm, pair in measured.items()},
        **{f"area_page_{arm}_client_ms": pair[1] for arm, pair in measured.items()},
        "page_bytes": weights,
    }
    result.check("warm_p95", warm_ms["p95"] <= WARM_P95_MS)
    result.check("cold_p95", cold_ms["p95"] <= COLD_P95_MS)
    result.check("page_weight", max(weights.values()) <= MAX_PAGE_BYTES)
    result.notes.append(
        "area_page_*_ms: server time from the site's access log (request in to last byte out); "
        "area_page_*_client_ms: the client's over loopback"
    )
    result.notes.append(
        "revalidating: cache on, TTL 0 (every gateway read is a conditional GET); recorded only"
    )
    result.headline = (
        f"area page p95 {warm_ms['p95']:.1f} ms warm, {cold_ms['p95']:.1f} ms cold (server); "
        f"heaviest page {max(weights.values()) / 1000:.1f} KB"
    )
    return result


def main() -> int:
    """``uv run python bench/b_web.py [--quick]``: this benchmark alone, without the bench stack."""
    quick = "--quick" in sys.argv
    facts = machine()
    result = measure(seconds=5 if quick else 10, warmup_s=2 if quick else 5)
    path = result.write(facts, quick)
    print(f"web_pages: {'MET' if result.met else 'NOT MET'} — {result.headline} ({path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
