"""The public site: the area page's p95 at a steady rate, warm and cold cache, and page weights.

The site runs as its own process (as on the native stack and in Kubernetes) and reads the API
over HTTP from a gateway serving the Blackpool demo (the embedded platform of ``make run``: the
bench stack has no areas or outcomes to show). Cold: the site's cache is off (every page asks
the gateway for everything); warm: the default cache.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import time
import urllib.parse

from ctx import Ctx
from harness import Proc, launch_app
from measure import Result, machine, summary

from streetlevel.testing._proc import terminate

WARD = "/areas/E05015186"
RATE_PER_S = 20
WARM_P95_MS = 50.0
COLD_P95_MS = 250.0
MAX_PAGE_BYTES = 100_000
BROWSER = {"Accept": "text/html,*/*;q=0.8"}


def _paths(base: str) -> dict[str, str]:
    """One path per page kind, found through the gateway's API."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)

    def api(path: str) -> dict:
        conn.request("GET", path, headers={"Accept": "application/json"})
        return json.loads(conn.getresponse().read())

    enterprise = api("/v1/enterprises?limit=1")["items"][0]["id"]
    commission = api("/v1/commissions?limit=1")["items"][0]["id"]
    conn.close()
    return {
        "home": "/",
        "ward": WARD,
        "district": "/areas/E06000009",
        "enterprise": f"/enterprises/{enterprise}",
        "commission": f"/commissions/{commission}",
        "open-data": "/open-data",
    }


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
    conn.close()
    return total


def _site(name: str, gateway: Proc, **extra: str) -> Proc:
    env = {
        "WEB_GATEWAY_URL": gateway.url,
        "WEB_PUBLIC_BASE_URL": gateway.url,
        "WEB_LOG_LEVEL": "WARNING",
        **extra,
    }
    return launch_app(name, "streetlevel.web.app:create_app", env)


def web_pages(ctx: Ctx) -> Result:
    """Needs no PostgreSQL or Kafka: its own demo gateway and two sites (run alone below)."""
    return measure(seconds=ctx.wrk_s, warmup_s=ctx.warmup_s)


def measure(*, seconds: float, warmup_s: float) -> Result:
    result = Result(
        "web_pages",
        target=f"area page p95 <= {WARM_P95_MS:.0f} ms warm, <= {COLD_P95_MS:.0f} ms cold "
        f"at {RATE_PER_S}/s; every page kind <= {MAX_PAGE_BYTES // 1000} KB HTML + CSS",
    )
    data_dir = tempfile.mkdtemp(prefix="bench-web-")
    gateway = launch_app(
        "web-demo-gateway",
        "tests.browser.platform_demo:create_app",
        {
            "GATEWAY_MODE": "embedded",
            "GATEWAY_DATA_DIR": data_dir,
            "GATEWAY_SERVER_KEY": "bench-web-server-key",
            "GATEWAY_LOG_LEVEL": "WARNING",
            "GATEWAY_RATE_LIMIT_ANONYMOUS": "100000000/minute",
        },
    )
    warm = _site("web-warm", gateway)
    cold = _site("web-cold", gateway, WEB_CACHE_TTL_S="0", WEB_CACHE_ENTRIES="1")
    result.inputs = {"rate_per_s": RATE_PER_S, "seconds": seconds, "page": WARD}
    try:
        steady(warm.url, WARD, warmup_s)
        warm_ms = summary(steady(warm.url, WARD, seconds))
        steady(cold.url, WARD, 1)
        cold_ms = summary(steady(cold.url, WARD, seconds))
        weights = {kind: weight(warm.url, path) for kind, path in _paths(gateway.url).items()}
    finally:
        for proc in (cold, warm, gateway):
            terminate(proc.pid, timeout=20)
    result.figures = {
        "area_page_warm_ms": warm_ms,
        "area_page_cold_ms": cold_ms,
        "page_bytes": weights,
    }
    result.check("warm_p95", warm_ms["p95"] <= WARM_P95_MS)
    result.check("cold_p95", cold_ms["p95"] <= COLD_P95_MS)
    result.check("page_weight", max(weights.values()) <= MAX_PAGE_BYTES)
    result.notes.append(
        "latency is measured by the client over loopback: it bounds the site's server time"
    )
    result.headline = (
        f"area page p95 {warm_ms['p95']:.1f} ms warm, {cold_ms['p95']:.1f} ms cold; "
        f"heaviest page {max(weights.values()) / 1000:.1f} KB"
    )
    return result


def main() -> int:
    """``uv run python bench/b_web.py [--quick]``: this benchmark alone, without the bench stack."""
    import sys

    quick = "--quick" in sys.argv
    result = measure(seconds=5 if quick else 10, warmup_s=2 if quick else 5)
    path = result.write(machine(), quick)
    print(f"web_pages: {'MET' if result.met else 'NOT MET'} — {result.headline} ({path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
