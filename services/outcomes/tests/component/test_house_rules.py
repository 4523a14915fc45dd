"""House rules checked in code: routes under published prefixes, events on their topics."""

# The pure domain is an import-linter contract in pyproject.toml, not a test here.

from __future__ import annotations

from pathlib import Path

from streetlevel.outcomes.app import ROUTE_PREFIXES, create_app
from streetlevel.outcomes.domain import events
from streetlevel.outcomes.settings import OutcomesSettings


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
