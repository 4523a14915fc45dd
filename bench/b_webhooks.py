"""Webhook delivery, in-process: commit → receiver latency at a steady rate, and deliveries/s.

    uv run python bench/b_webhooks.py [--quick] [--database-url URL]
                                                → bench/results/webhook_delivery.json

The notifications app runs in-process (in-process bus) with its delivery worker, on SQLite or,
given a URL (``bench/run.py`` passes its stack's PostgreSQL), on PostgreSQL; the receivers are
one loopback HTTP server with a path per endpoint (each its own subscription, so its own
queue). It measures what the worker and its database cost, not a network.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from asgi_lifespan import LifespanManager
from measure import Result, machine, summary

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "notifications" / "tests"))

from component.support import commission_published, message  # noqa: E402

from streetlevel.common.bus.memory import MemoryBus  # noqa: E402
from streetlevel.notifications.app import create_app  # noqa: E402
from streetlevel.notifications.migrate import upgrade  # noqa: E402
from streetlevel.notifications.settings import NotificationsSettings  # noqa: E402
from streetlevel.testing.tokens import TokenFactory  # noqa: E402


class Receivers:
    """One server, many endpoints: records when each webhook-id arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.count = 0
        self.server: asyncio.Server | None = None
        self.changed = asyncio.Event()

    async def until(self, done: Any) -> None:
        """Wait, woken by each arrival, until ``done()`` holds."""
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 60)

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=4096)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Keep-alive, as most receivers (any HTTP/1.1 server) are: one connection, many requests.
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, msg_id = 0, ""
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                    elif name.lower() == b"webhook-id":
                        msg_id = value.strip().decode()
                await reader.readexactly(length)
                self.arrived.setdefault(msg_id, time.perf_counter())
                self.count += 1
                self.changed.set()
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the sender closed it
        finally:
            writer.close()


def webhook_delivery(ctx: Any) -> Result:
    """``bench/run.py``'s entry: on the bench stack's PostgreSQL, in a database of its own."""
    from harness import stack

    pg = ctx.stack.pg
    asyncio.run(stack.create_databases(pg.dsn, ["bench_webhooks"]))
    return asyncio.run(run(ctx.quick, pg.url("bench_webhooks")))


async def run(quick: bool, database_url: str | None = None) -> Result:
    result = Result(
        "webhook_delivery",
        target="commit→receiver p50 ≤ 50 ms, p99 ≤ 250 ms; ≥ 2,000 deliveries/s to 1,000 endpoints",
    )
    url = database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'notifications.db'}"
    await asyncio.to_thread(upgrade, url)
    tokens = TokenFactory()
    settings = NotificationsSettings(
        database_url=url, test_loopback_targets=True, log_level="WARNING", log_json=True
    )
    bus = MemoryBus()
    app = create_app(settings, memory_bus=bus, key_source=tokens.key_source())
    receivers = Receivers()
    base = await receivers.start()
    endpoints = 100 if quick else 1000
    rate, seconds = 20, (5 if quick else 15)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = TokenFactory.bearer(tokens.council())
            first = await client.post("/v1/webhooks", json={"url": f"{base}/0"}, headers=headers)
            assert first.status_code == 201, first.text
            # 1. Latency at a steady rate, one endpoint.
            sent: dict[str, float] = {}
            for _ in range(rate * seconds):
                event = commission_published(["E05015186"])
                sent[f"msg_{event.id}"] = time.perf_counter()
                await bus.publish([message("commissioning.commission.v1", event)])
                await asyncio.sleep(1 / rate)
            await receivers.until(lambda: len(receivers.arrived) >= len(sent))
            latency = [(receivers.arrived[k] - t) * 1000 for k, t in sent.items()]
            # 2. Fan-out throughput: every endpoint subscribed, a burst of events.
            for i in range(1, endpoints):
                owner = TokenFactory.bearer(tokens.token(sub=f"bench-{i}"))
                r = await client.post("/v1/webhooks", json={"url": f"{base}/{i}"}, headers=owner)
                assert r.status_code == 201, r.text
            burst = 2 if quick else 5
            before, started = receivers.count, time.perf_counter()
            # CPU of this process (worker, sender and receivers) per delivery: on a shared
            # machine it moves far less with the load than deliveries per second do.
            cpu_started = time.process_time()
            for _ in range(burst):
                event = commission_published(["E05015186"])
                await bus.publish([message("commissioning.commission.v1", event)])
            await receivers.until(lambda: receivers.count - before >= burst * endpoints)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
    stats = summary(latency)
    throughput = burst * endpoints / elapsed
    result.inputs = {"rate_per_s": rate, "seconds": seconds, "endpoints": endpoints, "burst": burst}
    result.figures = {
        "latency_ms": stats,
        "deliveries_per_s": round(throughput, 1),
        "process_cpu_us_per_delivery": round(cpu / (burst * endpoints) * 1e6, 1),
    }
    result.check("p50 ≤ 50 ms", stats["p50"] <= 50)
    result.check("p99 ≤ 250 ms", stats["p99"] <= 250)
    result.check("≥ 2,000 deliveries/s", throughput >= 2000)
    result.headline = (
        f"p50 {stats['p50']:.0f} ms, p99 {stats['p99']:.0f} ms; {throughput:.0f} deliveries/s"
        f" ({result.figures['process_cpu_us_per_delivery']:.0f} µs of this process's CPU each)"
    )
    database = "SQLite (one writer)" if url.startswith("sqlite") else "PostgreSQL"
    result.notes.append(f"{database}, in-process bus, loopback receivers")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL (postgresql+asyncpg://…, empty)")
    args = parser.parse_args()
    result = asyncio.run(run(args.quick, args.database_url))
    facts: dict[str, Any] = machine()
    facts["when_started"] = datetime.now(UTC).isoformat()
    path = result.write(facts, args.quick)
    print(f"{result.name}: {'MET' if result.met else 'NOT MET'} — {result.headline} ({path})")


if __name__ == "__main__":
    main()
