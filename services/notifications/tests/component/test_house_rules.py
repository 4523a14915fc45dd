"""House rules checked in code: a pure domain, and an OpenAPI document that builds."""

from __future__ import annotations

import ast
from pathlib import Path

from streetlevel.notifications.app import ROUTE_PREFIXES, create_app
from streetlevel.notifications.domain import events
from streetlevel.notifications.settings import NotificationsSettings

DOMAIN = Path(events.__file__).parent
FORBIDDEN = (
    "fastapi",
    "sqlalchemy",
    "aiokafka",
    "starlette",
    "pydantic_settings",
    "httpx2",
    "streetlevel.common.db",
    "streetlevel.common.outbox",
    "streetlevel.common.inbox",
    "streetlevel.common.bus",
    "streetlevel.common.runtime",
    "streetlevel.common.service",
    "streetlevel.common.uow",
    "streetlevel.common.consumer",
    "streetlevel.notifications.adapters",
    "streetlevel.notifications.api",
    "streetlevel.notifications.service",
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
    app = create_app(NotificationsSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/n.db"))
    paths = app.openapi()["paths"]
    ours = [p for p in paths if p.startswith("/v1/")]
    assert ours
    assert all(p.startswith(ROUTE_PREFIXES) for p in ours)
    assert "/v1/webhooks/{webhook_id}/replay" in paths
    assert "/v1/me/events" in paths


def test_the_only_event_is_private_and_names_no_person() -> None:
    assert events.WebhookDisabled.topic == "notifications.private.v1"
    assert set(events.WebhookDisabled.model_fields) == {"webhook_id", "url", "reason", "owner"}
