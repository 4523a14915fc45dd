"""docker-compose.yml follows the Compose specification and the services' own settings."""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any

import jsonschema
import pytest

INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}")


def interpolate(value: str) -> str:
    """What Compose substitutes when the developer sets nothing: the ${VAR:-default}."""
    return INTERPOLATION.sub(lambda m: m.group(2) or "", value)


def our_services(compose: dict[str, Any], checks: ModuleType) -> dict[str, tuple[str, dict]]:
    """Compose service name → (our service, its definition) for every streetlevel container."""
    found = {}
    for key, svc in compose["services"].items():
        image = svc.get("image", "")
        match = re.fullmatch(r"streetlevel/([a-z]+):.*", image)
        if match:
            assert match.group(1) in (*checks.SERVICES, checks.SITE), image
            found[key] = (match.group(1), svc)
    return found


def test_the_compose_file_validates_against_the_compose_specification(
    compose: dict[str, Any], checks: ModuleType
) -> None:
    schema = json.loads(checks.COMPOSE_SCHEMA.read_text())
    errors = [
        f"{e.json_path}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(compose)
    ]
    assert errors == []


def test_each_service_runs_migrated_healthy_and_only_the_gateway_and_site_are_published(
    compose: dict[str, Any], checks: ModuleType
) -> None:
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["kafka"]["image"] == "apache/kafka:4.1.0"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    for name in checks.SERVICES:
        svc, migrate = services[name], services[f"{name}-migrate"]
        assert svc["image"] == migrate["image"] == f"streetlevel/{name}:${{STREETLEVEL_TAG:-dev}}"
        assert svc["build"]["dockerfile"] == f"services/{name}/Dockerfile"
        assert (checks.ROOT / svc["build"]["dockerfile"]).exists()
        assert svc["depends_on"][f"{name}-migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert f"streetlevel.{name}.migrate import upgrade" in " ".join(migrate["command"])
        assert "/readyz" in " ".join(svc["healthcheck"]["test"])
        assert f":{checks.HTTP_PORT}/" in " ".join(svc["healthcheck"]["test"])
        assert svc["read_only"] is True
        assert svc["user"] == "10001:10001"
    gateway_deps = services["gateway"]["depends_on"]
    for name in ("registry", "commissioning", "outcomes", "notifications"):
        assert gateway_deps[name] == {"condition": "service_healthy"}
    published = {k for k, v in services.items() if v.get("ports")}
    assert published == {"gateway", "web"}  # the API and the public site
    assert services["web"]["depends_on"] == {"gateway": {"condition": "service_healthy"}}
    assert services["gateway"]["ports"][0].endswith(f":{checks.HTTP_PORT}")


def test_compose_environment_names_are_real_settings_fields(
    compose: dict[str, Any], checks: ModuleType
) -> None:
    problems = []
    for key, (service, svc) in our_services(compose, checks).items():
        problems += checks.env_problems(service, set(svc.get("environment", {})), f"compose {key}")
    assert problems == []


@pytest.mark.parametrize(
    "service", ["registry", "commissioning", "outcomes", "notifications", "gateway"]
)
def test_compose_environment_builds_the_services_settings(
    compose: dict[str, Any], checks: ModuleType, clean_env: pytest.MonkeyPatch, service: str
) -> None:
    env = {k: interpolate(str(v)) for k, v in compose["services"][service]["environment"].items()}
    for name, value in env.items():
        clean_env.setenv(name, value)
    settings = checks.load_service_settings(service)
    assert settings.bus == "kafka"
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    host_db = f"@postgres:5432/{service}"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.database_url.endswith(host_db)
    # The migration connects to the same database the service uses.
    migrate_env = compose["services"][f"{service}-migrate"]["environment"]
    assert interpolate(migrate_env[f"{service.upper()}_DATABASE_URL"]) == settings.database_url
    if service == "gateway":
        assert settings.mode == "distributed"
        for upstream in ("registry", "commissioning", "outcomes", "notifications"):
            assert settings.service_url(upstream) == f"http://{upstream}:{checks.HTTP_PORT}"
    else:
        assert settings.jwks_url == f"http://gateway:{checks.HTTP_PORT}/.well-known/jwks.json"
