"""House rules checked in code: a pure domain, and an OpenAPI document that builds."""

from __future__ import annotations

import ast
from pathlib import Path

from streetlevel.outcomes.app import ROUTE_PREFIXES, create_app
from streetlevel.outcomes.domain import events
from streetlevel.outcomes.settings import OutcomesSettings

DOMAIN = Path(events.__file__).parent
FORBIDDEN = (
    "fastapi",
    "sqlalchemy",
    "aiokafka",
    "starlette",
    "pydantic_settings",
    "streetlevel.common.db",
    "streetlevel.common.outbox",
    "streetlevel.common.inbox",
    "streetlevel.common.bus",
    "streetlevel.common.runtime",
    "streetlevel.common.service",
    "streetlevel.common.uow",
    "streetlevel.common.consumer",
    "streetlevel.outcomes.adapters",
    "streetlevel.outcomes.api",
    "streetlevel.outcomes.service",
)


def test_the_domain_imports_no_framework_database_or_bus() -> None:
    offending = []
    for module in DOMAIN.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offending += [
                f"{module.name}: {name}"
                for name in names
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
            ]
    assert offending == []


def test_every_route_lives_under_a_published_prefix_and_the_openapi_builds(
    tmp_path: Path,
) -> None:
    app = create_app(OutcomesSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    paths = app.openapi()["paths"]
    ours = [p for p in paths if p.startswith("/v1/")]
    assert ours
    assert all(p.startswith(ROUTE_PREFIXES) for p in ours)
    assert "/v1/reports/areas/{code}" in paths


def test_observation_events_travel_on_the_internal_topic_and_carry_no_evidence() -> None:
    for event in (
        events.ObservationReported,
        events.ObservationSuperseded,
        events.ObservationVerified,
        events.ObservationRejected,
        events.ObservationVerificationWithdrawn,
    ):
        assert event.topic == "outcomes.observation.v1"
        assert "evidence" not in event.model_fields
    assert events.PlanCreated.topic == "outcomes.plan.v1"
    assert set(events.PlanIndicatorTargets.model_fields) == {"code", "targets"}
