"""Fixtures of the registry tests: tokens, a frozen clock, the app in embedded mode."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
import pytest_asyncio
from jsonschema import Draft202012Validator

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.outbox import OutboxMessage
from streetlevel.registry.app import create_app
from streetlevel.registry.settings import RegistrySettings
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory


def repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(p for p in here.parents if (p / "uv.lock").exists())


SHARED = repo_root().parent / "shared"
GEOGRAPHY = SHARED / "data" / "geography"
BLACKPOOL = GEOGRAPHY / "areas_blackpool.csv"
NATIONAL = GEOGRAPHY / "lsoa21_ward24_lad24_england_wales.csv"
COUNTIES = GEOGRAPHY / "lads_england_2024.csv"
HSDS_ORGANIZATION = SHARED / "standards" / "hsds" / "organization.json"


class RecordingBus(MemoryBus):
    """The in-process bus, remembering what the relay published."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[OutboxMessage] = []

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.messages.extend(messages)
        await super().publish(messages)


@dataclass
class Api:
    """An in-process client of one app plus what the tests need around it."""

    client: httpx2.AsyncClient
    app: Any
    bus: RecordingBus
    tokens: TokenFactory
    clock: FrozenClock


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def enterprise_body(**overrides: Any) -> dict[str, Any]:
    """A valid CIC registration in Blackpool."""
    body: dict[str, Any] = {
        "identifier": {"scheme": "GB-COH", "id": "12345678"},
        "name": "Revoe Community Kitchen CIC",
        "legal_form": "cic_limited_by_guarantee",
        "mission": "Hot meals and cooking skills for families in Revoe.",
        "themes": ["food", "health-wellbeing"],
        "areas_served": ["E05015200"],
        "website": "https://revoe-kitchen.example.org",
        "employees": 12,
        "trading_income_pct": 65,
        "profit_reinvested_pct": 100,
        "independent": True,
        "publishes_social_report": True,
        "accreditations": ["Social Enterprise Mark"],
        "services": [
            {
                "name": "Family cooking classes",
                "description": "Weekly classes teaching budget cooking.",
                "themes": ["food"],
                "areas": ["E05015200"],
            }
        ],
        "founded_on": "2019-04-01",
        "contact": {"email": "hello@revoe-kitchen.example.org", "phone": "01253 000000"},
        "address": {"lines": ["1 Central Drive"], "town": "Blackpool", "postcode": "FY1 5AA"},
        "annual_turnover": {"amount": "250000.00", "currency": "GBP"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def body() -> Callable[..., dict[str, Any]]:
    """``body(**overrides)``: a valid enterprise registration."""
    return enterprise_body


@pytest.fixture(scope="session")
def hsds_validator() -> Any:
    """A strict (formats checked) validator for HSDS 3.0 organisations."""
    schema = json.loads(HSDS_ORGANIZATION.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="session")
def geography() -> Path:
    return GEOGRAPHY


@pytest_asyncio.fixture
async def make_api(
    tmp_path: Path, tokens: TokenFactory, clock: FrozenClock
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_api(**settings)``: a started app and its client (embedded by default)."""
    managers: list[LifespanManager] = []
    clients: list[httpx2.AsyncClient] = []

    async def make(**overrides: Any) -> Api:
        values: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{tmp_path}/registry-{len(managers)}.db",
            "areas_file": BLACKPOOL,
            "outbox_poll_interval_s": 0.05,
            "log_json": False,
        }
        values.update(overrides)
        bus = RecordingBus()
        app = create_app(
            RegistrySettings(**values), memory_bus=bus, key_source=tokens.key_source(), clock=clock
        )
        manager = LifespanManager(app, startup_timeout=120, shutdown_timeout=30)
        await manager.__aenter__()
        managers.append(manager)
        client = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=manager.app), base_url="http://test"
        )
        clients.append(client)
        return Api(client=client, app=app, bus=bus, tokens=tokens, clock=clock)

    yield make
    for client in clients:
        await client.aclose()
    for manager in reversed(managers):
        await manager.__aexit__(None, None, None)


@pytest_asyncio.fixture
async def api(make_api: Callable[..., Any]) -> Api:
    result: Api = await make_api()
    return result
