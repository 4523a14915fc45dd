"""Fixtures for the commissioning tests: an embedded app, signed tokens, upstream events."""

from __future__ import annotations

import asyncio
import functools
import http.server
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2
import orjson
import pytest
import pytest_asyncio

from streetlevel.commissioning import migrate
from streetlevel.commissioning.app import create_app
from streetlevel.commissioning.service.context import Services
from streetlevel.commissioning.service.scheduler import run_due_jobs
from streetlevel.commissioning.settings import CommissioningSettings
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import FrozenClock
from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id
from streetlevel.common.outbox import OutboxMessage
from streetlevel.testing.lifespan import LifespanManager
from streetlevel.testing.tokens import TokenFactory

BLACKPOOL = "E06000009"
WARDS = ("E05015186", "E05015187")
FYLDE_WARD_PREFIX = "E05"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
#: The first month of the default commission's contract (START + 30 days, a year long).
FIRST_PERIOD = ("2026-12-23", "2027-01-21")
FIRST_PERIOD_OVER = datetime(2027, 1, 22, 9, 0, tzinfo=UTC)
#: Codes the tests' registry publishes (a sample of its vocabulary, as the events carry it).
THEMES = ("health-wellbeing", "older-people", "employment-skills", "youth", "food")


def shared_dir() -> Path:
    """../shared next to the workspace root (the directory holding uv.lock)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists():
            return parent.parent / "shared"
    raise RuntimeError("workspace root not found")


GEOGRAPHY = shared_dir() / "data" / "geography"


def settings_for(url: str, **overrides: Any) -> CommissioningSettings:
    values: dict[str, Any] = {
        "database_url": url,
        "areas_file": str(GEOGRAPHY / "areas.csv"),
        "counties_file": str(GEOGRAPHY / "lads_england_2024.csv"),
        "scheduler_enabled": False,
        "outbox_poll_interval_s": 0.05,
        "environment": "test",
    }
    values.update(overrides)
    return CommissioningSettings(**values)


def envelope(
    event_type: str,
    subject: str,
    sequence: int,
    data: dict[str, Any],
    *,
    time: datetime | None = None,
) -> Envelope:
    return Envelope(
        id=str(new_id()),
        source="/streetlevel/test",
        type=f"org.streetlevel.{event_type}",
        subject=subject,
        time=time or datetime.now(UTC),
        sequence=str(sequence),
        data=data,
    )


def enterprise_record(
    enterprise_id: str, name: str, *, status: str = "verified", **fields: Any
) -> dict[str, Any]:
    record = {
        "id": enterprise_id,
        "identifier": {"scheme": "GB-COH", "id": f"{abs(hash(enterprise_id)) % 10**8:08d}"},
        "name": name,
        "legal_form": "cic_limited_by_guarantee",
        "status": status,
        "mission": "Helping neighbours",
        "themes": ["health-wellbeing"],
        "areas_served": [BLACKPOOL],
        "size": "micro",
        "employees": 4,
        "trading_income_pct": 80,
        "profit_reinvested_pct": 90,
        "asset_lock": True,
        "independent": True,
        "publishes_social_report": True,
        "accreditations": [],
        "some_future_field": "ignored",
    }
    record.update(fields)
    return record


def indicator(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": code.replace("-", " "),
        "kind": "outcome",
        "unit": "people",
        "direction": "increase",
        "themes": ["health-wellbeing"],
        "sensitive": True,
    }


def commission_body(now: datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Befriending in Anchorsholme and Bispham",
        "description": "Reducing loneliness street by street",
        "need": "Fewer isolated older people",
        "themes": ["health-wellbeing"],
        "procedure": "open",
        "buyer_name": "Blackpool Council",
        "lots": [
            {
                "id": "lot-1",
                "title": "Anchorsholme",
                "areas": [WARDS[0]],
                "value": {"amount": "6000.00", "currency": "GBP"},
                "outcomes": [{"indicator_code": "loneliness-reduced", "target": "40"}],
            },
            {
                "id": "lot-2",
                "title": "Bispham",
                "areas": [WARDS[1]],
                "value": {"amount": "4000.00", "currency": "GBP"},
                "outcomes": [{"indicator_code": "loneliness-reduced", "target": "25"}],
            },
        ],
        "value": {"amount": "10000.00", "currency": "GBP"},
        "timeline": {
            "enquiry_end": (now + timedelta(days=5)).isoformat(),
            "tender_end": (now + timedelta(days=10)).isoformat(),
            "award_by": (now + timedelta(days=20)).isoformat(),
            "contract_start": (now + timedelta(days=30)).isoformat(),
            "contract_end": (now + timedelta(days=395)).isoformat(),
        },
        "eligibility": {"verified_only": True, "must_serve_area": True},
        "award_criteria": [
            {"name": "price", "weight": 40},
            {"name": "quality", "weight": 40},
            {"name": "social_value", "weight": 20},
        ],
        "payment": {
            "model": "outcomes",
            "rate_card": [
                {
                    "indicator_code": "loneliness-reduced",
                    "price_per_unit": {"amount": "50.00", "currency": "GBP"},
                    "max_units": "100",
                }
            ],
        },
    }
    body.update(overrides)
    return body


class RecordingBus(MemoryBus):
    """The in-process bus, remembering what the service published (the outbox gets pruned)."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Envelope] = []
        self.private: list[Envelope] = []

    async def publish(self, messages: Sequence[OutboxMessage]) -> None:
        await super().publish(messages)
        mine = [m for m in messages if m.topic.startswith("commissioning.")]
        # Private notices apart: the tests of the public sequence never see them.
        self.published += [
            Envelope.from_json(m.value) for m in mine if not m.topic.endswith(".private.v1")
        ]
        self.private += [
            Envelope.from_json(m.value) for m in mine if m.topic.endswith(".private.v1")
        ]


@dataclass
class Harness:
    """An app under test with its clock, bus, tokens and helpers."""

    client: httpx2.AsyncClient
    clock: FrozenClock
    bus: RecordingBus
    tokens: TokenFactory
    services: Services
    sequences: dict[str, int] = field(default_factory=dict)
    body = staticmethod(commission_body)
    record = staticmethod(enterprise_record)

    def council(self, org: str = "GB-LAE-BPL", area: str = BLACKPOOL) -> dict[str, str]:
        return self.tokens.bearer(self.tokens.council(org=org, area=area))

    def bidder(self, enterprise_id: str) -> dict[str, str]:
        return self.tokens.bearer(self.tokens.enterprise(enterprise_id))

    def registrar(self) -> dict[str, str]:
        return self.tokens.bearer(self.tokens.registrar())

    async def deliver(self, topic: str, key: str, env: Envelope) -> None:
        await self.bus.publish(
            [
                OutboxMessage(
                    id=0,
                    topic=topic,
                    key=key,
                    event_id=env.id,
                    event_type=env.type,
                    value=env.to_json(),
                )
            ]
        )

    def _next(self, subject: str) -> int:
        self.sequences[subject] = self.sequences.get(subject, 0) + 1
        return self.sequences[subject]

    async def enterprise(self, record: dict[str, Any], kind: str = "verified") -> None:
        subject = f"enterprise/{record['id']}"
        env = envelope(
            f"registry.enterprise.{kind}.v1", subject, self._next(subject), {"enterprise": record}
        )
        await self.deliver("registry.enterprise.v1", record["id"], env)

    async def themes(self, *codes: str, kind: str = "defined") -> None:
        """The registry's vocabulary as it arrives on registry.theme.v1 (one event per code)."""
        for code in codes:
            subject = f"theme/{code}"
            data: dict[str, Any] = {"code": code}
            if kind == "defined":
                data |= {"name": code, "description": code}
            env = envelope(f"registry.theme.{kind}.v1", subject, self._next(subject), data)
            await self.deliver("registry.theme.v1", code, env)

    async def indicator(self, code: str) -> None:
        subject = f"indicator/{code}"
        env = envelope(
            "outcomes.indicator.created.v1",
            subject,
            self._next(subject),
            {"indicator": indicator(code)},
        )
        await self.deliver("outcomes.indicator.v1", code, env)

    def observation_event(
        self, kind: str, obs_id: str, contract_id: str, value: str, *, at: datetime | None = None
    ) -> Envelope:
        """An outcomes event stamped at ``at`` (default: the clock's now), as outcomes would."""
        subject = f"observation/{obs_id}"
        return envelope(
            f"outcomes.observation.{kind}.v1",
            subject,
            self._next(subject),
            {
                "observation_id": obs_id,
                "plan_id": "plan-1",
                "contract_id": contract_id,
                "indicator_code": "loneliness-reduced",
                "period": {"start": FIRST_PERIOD[0], "end": FIRST_PERIOD[1]},
                "area": WARDS[0],
                "value": value,
                "status": kind,
            },
            time=at or self.clock.now(),
        )

    def after_first_period(self) -> None:
        """Move the clock to the morning after the contract's first reporting period."""
        self.clock.set(max(self.clock.now(), FIRST_PERIOD_OVER))

    async def run_due_jobs(self) -> int:
        return await run_due_jobs(self.services, self.clock.now())

    async def published(self) -> list[Envelope]:
        """Events the service published so far (waits for the relay to drain the outbox)."""
        relay = self.services.runtime.relay
        assert relay is not None
        for _ in range(200):
            if await relay.backlog() == 0:
                break
            relay.wake()
            await asyncio.sleep(0.01)
        return list(self.bus.published)

    async def published_types(self) -> list[str]:
        return [e.short_type for e in await self.published()]


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest_asyncio.fixture(loop_scope="session")
async def harness(tmp_path: Path, tokens: TokenFactory) -> AsyncIterator[Harness]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'commissioning.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    clock = FrozenClock(START)
    bus = RecordingBus()
    app = create_app(settings_for(url), memory_bus=bus, key_source=tokens.key_source(), clock=clock)
    async with LifespanManager(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            h = Harness(client, clock, bus, tokens, app.state.services)
            await h.themes(*THEMES)
            await h.indicator("loneliness-reduced")
            yield h


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """Module helpers for tests (test modules cannot import conftest in importlib mode)."""
    return SimpleNamespace(
        settings_for=settings_for,
        envelope=envelope,
        enterprise_record=enterprise_record,
        indicator=indicator,
        commission_body=commission_body,
        shared_dir=shared_dir,
        validate_ocds=validate_ocds,
        start=START,
        wards=WARDS,
        themes=THEMES,
        first_period=FIRST_PERIOD,
        blackpool=BLACKPOOL,
    )


def validate_ocds(package: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """libcoveocds against the offline OCDS 1.1.5 zip, extensions served from 127.0.0.1."""
    standards = shared_dir() / "standards" / "ocds"
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(standards / "extensions")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        local = dict(package)
        # The standards README's rule: …/ocds_<name>_extension/<ref>/ → <name>/.
        local["extensions"] = [
            re.sub(
                r"https://raw\.githubusercontent\.com/[^/]+/ocds_([A-Za-z_]+)_extension/[^/]+/",
                f"{base}/\\1/",
                url,
            )
            for url in package["extensions"]
        ]
        source = workdir / "package.json"
        source.write_bytes(orjson.dumps(local))
        cli = Path(sys.executable).parent / "libcoveocds"
        done = subprocess.run(
            [str(cli), "--standard-zip", str(standards / "standard-1__1__5.zip"), str(source)],
            capture_output=True,
            check=True,
            timeout=240,
            cwd=workdir,
        )
        result: dict[str, Any] = orjson.loads(done.stdout)
        return result
    finally:
        server.shutdown()
        server.server_close()
