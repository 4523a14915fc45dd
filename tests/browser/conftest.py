"""Browser tests: a real gateway (uvicorn, embedded mode) and Debian's Chromium via Playwright."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Route,
    async_playwright,
)

from streetlevel.testing._proc import InfraError
from streetlevel.testing.harness import e2e_harness, register_plugin
from streetlevel.testing.live import live_app

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
# The native stack's session fixtures (tests/e2e/harness), shared with e2e: one per run.
e2e_harness(__file__)


def pytest_configure(config: pytest.Config) -> None:
    register_plugin(config)


#: Where scripts/test.sh keeps the run's artifacts (JUnit reports, screenshots).
ARTIFACTS = ROOT / ".streetlevel" / "test-results" / "browser"


def chromium() -> str:
    """Debian's Chromium on PATH (Playwright's own download is never used)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no chromium on PATH: scripts/ensure-chromium.sh installs it", pytrace=False)


@dataclass
class Server:
    url: str
    log: Path
    data_dir: Path | None = None


@pytest.fixture(scope="session")
def gateway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole platform in embedded mode with the demo (``make run``), served by uvicorn."""
    data_dir = tmp_path_factory.mktemp("browser-gateway")
    env = {
        "GATEWAY_MODE": "embedded",
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_SERVER_KEY": "browser-test-server-key",
        "GATEWAY_LOG_JSON": "false",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_RATE_LIMIT_ANONYMOUS": "1000000/minute",
    }
    log = data_dir / "gateway.log"
    try:
        with live_app("tests.browser.platform_demo:create_app", env=env, log=log) as url:
            yield Server(url, log, data_dir)
    except InfraError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium())
        yield launched
        await launched.close()


@dataclass
class Visit:
    """A page whose requests may reach only the gateway; what it tried and said is kept."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.origin + "/", "data:", "blob:"))]

    async def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        return path


@contextlib.asynccontextmanager
async def guarded(browser: Browser, origin: str, **options: Any) -> AsyncIterator[Visit]:
    """A fresh context (``options``: viewport, JavaScript...) that may reach only ``origin``."""
    context: BrowserContext = await browser.new_context(**options)
    page = await context.new_page()
    page.set_default_timeout(60_000)
    seen = Visit(page, origin)

    async def only_the_gateway(route: Route) -> None:
        if route.request.url.startswith(seen.origin + "/"):
            await route.continue_()
        else:
            seen.blocked.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_gateway)
    context.on("request", lambda request: seen.requests.append(request.url))
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: seen.errors.append(f"uncaught: {exc}"))

    async def no_dialogs(dialog: Dialog) -> None:
        seen.errors.append(f"dialog: {dialog.message}")  # a script ran: never expected
        await dialog.dismiss()

    page.on("dialog", no_dialogs)
    try:
        yield seen
    finally:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def visit(browser: Browser, gateway_server: Server) -> AsyncIterator[Visit]:
    async with guarded(browser, gateway_server.url) as seen:
        yield seen
