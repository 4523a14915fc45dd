"""The Blackpool story through a client openapi-python-client generates from the merged OpenAPI.

Generated once per session into a temporary directory from the embedded platform's
``/openapi.json``, then driven against the embedded platform (in-process, httpx's ASGI
transport, an injected clock moved past the tender deadline) and against the native stack
(real processes, PostgreSQL and Kafka; its scheduler closes the tender on the wall clock).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from streetlevel_e2e_harness.genclient import Driver, Generated, generate
from streetlevel_e2e_harness.genstory import Who, tell
from streetlevel_e2e_harness.platform import GEOGRAPHY, ROOT, Platform

from streetlevel.gateway.settings import GatewaySettings
from streetlevel.platform.embedded import EmbeddedApp, create_app
from streetlevel.testing._proc import free_port
from streetlevel.testing.lifespan import LifespanManager

#: The embedded clock starts this far behind the wall clock and catches up at the deadline:
#: tokens stay valid throughout (their iat never lies in the future, the lifetime covers it).
BEHIND = timedelta(minutes=50)
#: (enquiry, tender) seconds after the commission is drafted.
EMBEDDED_WINDOW = (1200.0, 1800.0)
NATIVE_WINDOW = (12.0, 16.0)


class CatchUpClock:
    """Wall time minus an offset that the test removes to make the deadline pass."""

    def __init__(self, behind: timedelta) -> None:
        self.behind = behind

    def now(self) -> datetime:
        return datetime.now(UTC) - self.behind


def _settings(data_dir: Path) -> GatewaySettings:
    return GatewaySettings(
        data_dir=data_dir,
        mode="embedded",
        server_key="generated-client-key",
        key_publish_lead_s=0,
        token_lifetime_s=3600,
        log_json=False,
        log_level="WARNING",
        rate_limit_anonymous="1000000/minute",
        rate_limit_client="1000000/minute",
        rate_limit_oauth="1000000/minute",
    )


def _embedded_env(patch: pytest.MonkeyPatch) -> None:
    """The story's geography, a quick scheduler and an immediate contract start."""
    patch.setenv("STREETLEVEL_AREAS_FILE", str(GEOGRAPHY / "areas.csv"))
    patch.setenv("STREETLEVEL_COUNTIES_FILE", str(GEOGRAPHY / "lads_england_2024.csv"))
    patch.setenv("COMMISSIONING_BELOW_THRESHOLD_TENDERING_DAYS", "0")
    patch.setenv("COMMISSIONING_SCHEDULER_INTERVAL_S", "0.2")


@dataclass
class Embedded:
    """The embedded platform of this module, its clock and an httpx transport into it."""

    app: EmbeddedApp
    clock: CatchUpClock
    transport: httpx.ASGITransport


# Module scope: this module is the client's only user, so it is still generated once a session,
# and the platform's relays and scheduler stop when its last test ends, not with the session.
@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Embedded]:
    """One embedded platform: it serves the document to generate from, then hosts the story."""
    clock = CatchUpClock(BEHIND)
    with pytest.MonkeyPatch.context() as patch:
        _embedded_env(patch)
        app = create_app(_settings(tmp_path_factory.mktemp("genclient-platform")), clock=clock)
        lifespan = LifespanManager(app, startup_timeout=120, shutdown_timeout=30)
        await lifespan.__aenter__()
    try:
        yield Embedded(app, clock, httpx.ASGITransport(app=app, client=("198.51.100.21", 5000)))
    finally:
        await lifespan.__aexit__(None, None, None)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def generated(embedded: Embedded, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The generated client, from the merged document the embedded gateway serves."""
    transport = embedded.transport
    async with httpx.AsyncClient(transport=transport, base_url="http://doc.test") as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200, response.text
    return generate(response.json(), tmp_path_factory.mktemp("genclient"))


@pytest.mark.timeout(180)
async def test_the_generated_client_tells_the_blackpool_story_on_the_embedded_platform(
    generated: Generated, embedded: Embedded
) -> None:
    driver = Driver(generated, "http://embedded.test", {"transport": embedded.transport})
    made, secret = await embedded.app.gateway.clients.create(kind="registrar", name="operator")
    clock = embedded.clock

    async def pass_deadline() -> None:
        clock.behind = timedelta(0)

    async def time_passes(when: datetime) -> None:
        embedded.app.service_clock.travel_to(when)

    await tell(
        driver,
        Who(made.id, secret),
        now=clock.now,
        window=EMBEDDED_WINDOW,
        pass_deadline=pass_deadline,
        time_passes=time_passes,
    )


@pytest.mark.timeout(240)
async def test_the_generated_client_tells_the_blackpool_story_on_the_native_stack(
    generated: Generated, platform: Platform
) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=60) as http:
        native = (await http.get("/openapi.json")).json()
    for part in ("paths", "components"):
        assert native[part] == generated.document[part], f"the native stack's {part} differ"
    made = platform.cli("clients", "create", "--kind", "registrar", "--name", "generated client")
    driver = Driver(generated, platform.gateway_url)
    # No clock reaches into the service processes: the tender is short and the story waits.

    async def pass_deadline() -> None:
        return None

    async def time_passes(when: datetime) -> None:
        await asyncio.to_thread(platform.travel_to, when)

    await tell(
        driver,
        Who(made["client_id"], made["client_secret"]),
        now=platform.now,  # the services' time: earlier stories may have moved it on
        window=NATIVE_WINDOW,
        pass_deadline=pass_deadline,
        time_passes=time_passes,
    )


TRANSPILE = """
const ts = require("typescript");
const fs = require("fs");
const source = fs.readFileSync(process.argv[1], "utf8");
const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 };
fs.writeFileSync(process.argv[2], ts.transpileModule(source, { compilerOptions }).outputText);
"""
RUN = """
import { main } from "./consumer.mjs";
await main(process.argv[2], process.argv[3], process.argv[4]);
"""


@pytest.mark.timeout(120)
async def test_the_typescript_consumer_runs_against_the_embedded_platform(
    embedded: Embedded, tmp_path: Path
) -> None:
    """consumer.ts (type-checked in tests/contract) pages, reads the feed, drafts a commission."""
    node_dir = ROOT / "tests" / "node"
    (tmp_path / "node_modules").symlink_to(node_dir / "node_modules")
    transpiled = await _node(
        "-e",
        TRANSPILE,
        str(node_dir / "consumer" / "consumer.ts"),
        str(tmp_path / "consumer.mjs"),
        cwd=node_dir,
    )
    assert transpiled[0] == 0, transpiled[1]
    (tmp_path / "run.mjs").write_text(RUN)
    gateway = embedded.app.gateway
    if "GB-LAE-BPL" not in {c["org_id"] for c in await gateway.clients.councils()}:
        await gateway.clients.add_council(
            org_id="GB-LAE-BPL", name="Blackpool Council", area="E06000009"
        )
    council, secret = await gateway.clients.create(kind="council", name="ts", org="GB-LAE-BPL")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            embedded.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "uvicorn did not start"
            await asyncio.sleep(0.05)
        code, said = await _node(
            str(tmp_path / "run.mjs"), f"http://127.0.0.1:{port}", council.id, secret, cwd=tmp_path
        )
    finally:
        server.should_exit = True
        await serving
    assert code == 0, said
    assert "enterprises serve Blackpool" in said
    assert re.search(r"commission \S+ is draft", said), said


async def _node(*argv: str, cwd: Path) -> tuple[int, str]:
    """node with argv, without blocking the loop that serves the platform."""
    child = await asyncio.create_subprocess_exec(
        "node", *argv, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(child.communicate(), timeout=90)
    return child.returncode or 0, out.decode()
