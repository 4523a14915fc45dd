"""Browser tests: a real gateway (uvicorn, embedded mode) and Debian's Chromium via Playwright."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

from streetlevel.testing._proc import InfraError
from streetlevel.testing.live import live_app

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
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


@pytest.fixture(scope="session")
def gateway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole platform in embedded mode, served by uvicorn on a free loopback port."""
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
        with live_app("streetlevel.platform.embedded:create_app", env=env, log=log) as url:
            yield Server(url, log)
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


@pytest_asyncio.fixture(loop_scope="session")
async def visit(browser: Browser, gateway_server: Server) -> AsyncIterator[Visit]:
    context: BrowserContext = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(60_000)
    seen = Visit(page, gateway_server.url)

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
    yield seen
    await context.close()
