"""The embedded platform served by uvicorn on a loopback port, in a thread with its own loop.

Schemathesis calls the API synchronously; serving it like ``streetlevel serve`` does keeps the
platform's engines on one event loop for the whole run.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.gateway.wiring import Gateway
from streetlevel.platform.embedded import create_app

T = TypeVar("T")
#: Quotas far above what a fuzz run sends: a 429 would hide the answer under test.
UNLIMITED = "1000000/minute"


def settings(data_dir: Path) -> GatewaySettings:
    """Embedded mode under ``data_dir``, no rate limits, tokens that outlive the run."""
    return GatewaySettings(
        data_dir=data_dir,
        mode="embedded",
        server_key="fuzz-test-server-key",
        key_publish_lead_s=0,
        token_lifetime_s=3600,
        log_json=False,
        log_level="WARNING",
        rate_limit_anonymous=UNLIMITED,
        rate_limit_client=UNLIMITED,
        rate_limit_oauth=UNLIMITED,
    )


@dataclass
class Served:
    """A running platform: its base URL and a way to run coroutines on its loop."""

    base_url: str
    gateway: Gateway
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@contextmanager
def serve_platform(data_dir: Path) -> Iterator[Served]:
    """Start the embedded platform (no demo data) and stop it on exit."""
    app = create_app(settings(data_dir))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        loops.append(loop)
        loop.run_until_complete(server.serve(sockets=[sock]))
        loop.close()

    thread = threading.Thread(target=run, name="platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the embedded platform did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", app.gateway, loops[0])
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
