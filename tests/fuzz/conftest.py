"""Fuzz fixtures: one served embedded platform, its principals' tokens, the schema to fuzz."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis

from .problems import with_problem_responses
from .server import Served, serve_platform

ENTERPRISE: dict[str, Any] = {
    "name": "Layton Fuzz Co-operative",
    "legal_form": "cooperative_society",
    "identifier": {"scheme": "GB-MPR", "id": "31415R"},
    "themes": ["environment"],
    "contact": {"email": "fuzz@layton.example"},
}


@dataclass
class FuzzStats:
    """What the run sent, for the closing summary."""

    examples: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def record(self, status: int) -> None:
        self.examples += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


STATS = FuzzStats()


@dataclass
class Fuzzing:
    """The served platform, a session on it and the bearer headers of each principal."""

    served: Served
    session: requests.Session
    principals: dict[str, dict[str, str]]
    known: dict[str, str]


def _token(session: requests.Session, base_url: str, client_id: str, secret: str) -> str:
    response = session.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture(scope="session")
def fuzzing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzing]:
    with (
        serve_platform(tmp_path_factory.mktemp("fuzz-platform")) as served,
        requests.Session() as s,
    ):
        clients = served.gateway.clients
        served.run(
            clients.add_council(org_id="GB-LAE-BPL", name="Blackpool Council", area="E06000009")
        )
        made = {
            "council": served.run(
                clients.create(kind="council", name="fuzz council", org="GB-LAE-BPL")
            ),
            "enterprise": served.run(clients.create(kind="enterprise", name="fuzz enterprise")),
            "registrar": served.run(clients.create(kind="registrar", name="fuzz registrar")),
        }
        spare, _ = served.run(clients.create(kind="registrar", name="fuzz spare"))
        tokens = {
            kind: _token(s, served.base_url, c.id, secret) for kind, (c, secret) in made.items()
        }
        created = s.post(
            f"{served.base_url}/v1/enterprises",
            json=ENTERPRISE,
            headers={"Authorization": f"Bearer {tokens['enterprise']}"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        # A fresh token carries the enterprise the client is now bound to.
        client, secret = made["enterprise"]
        tokens["enterprise"] = _token(s, served.base_url, client.id, secret)
        indicators = s.get(f"{served.base_url}/v1/indicators?limit=1", timeout=30).json()
        known = {"enterprise_id": created.json()["id"], "client_id": spare.id}
        if indicators.get("items"):
            known["indicator_code"] = indicators["items"][0]["code"]
        yield Fuzzing(
            served=served,
            session=s,
            principals={k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()},
            known=known,
        )


@pytest.fixture(scope="session")
def fuzz_schema(fuzzing: Fuzzing) -> Any:
    """The served merged OpenAPI document with API.md's problem responses, for schemathesis."""
    document = fuzzing.session.get(f"{fuzzing.served.base_url}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(with_problem_responses(document))
    schema.config.update(base_url=fuzzing.served.base_url)
    schema.config.generation.update(with_security_parameters=False, database="none")
    return schema


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STATS.examples:
        elapsed = time.monotonic() - STATS.started
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(STATS.by_status.items()))
        terminalreporter.write_line(
            f"fuzz: {STATS.examples} requests in {elapsed:.0f} s; by status {statuses}"
        )
