"""A deliberately broken overlay and compose file are caught by the same checks."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import jsonschema
import yaml


def test_a_broken_overlay_fails_every_check_it_breaks(kustomize: Path, checks: ModuleType) -> None:
    docs = checks.kustomize_build(kustomize, checks.FIXTURES / "broken-overlay")
    schema = [p for d in docs for p in checks.schema_problems(d)]
    hardening = [p for d in docs for p in checks.hardening_problems(d)]
    env = []
    for w in checks.workloads(docs):
        env += checks.env_problems(w.service, set(w.env), f"{w.kind} {w.service}")

    assert any("Deployment/outcomes" in p and "imagePullPolicyy" in p for p in schema)
    assert any("KafkaTopic/outcomes-plan-v1" in p and "replicas" in p for p in schema)
    assert any("Cluster/streetlevel-pg" in p and "instancess" in p for p in schema)
    assert any("Deployment/registry" in p and "readOnlyRootFilesystem" in p for p in hardening)
    assert any("Deployment/commissioning" in p and "livenessProbe" in p for p in hardening)
    assert any("Deployment/commissioning" in p and "resources.limits" in p for p in hardening)
    assert any("GATEWAY_REDIS_URLS is not a field of GatewaySettings" in p for p in env)
    # Nothing else is reported: the checks point at the mistakes, not at noise.
    assert len(schema) == 3
    assert len(hardening) == 3


def test_a_broken_compose_file_fails_the_specification_and_settings_checks(
    checks: ModuleType,
) -> None:
    broken = yaml.safe_load((checks.FIXTURES / "broken-compose.yml").read_text())
    schema = json.loads(checks.COMPOSE_SCHEMA.read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(broken)]
    assert any("healthchek" in e for e in errors)
    assert any("service_started_maybe" in e for e in errors)
    env = set(broken["services"]["registry"]["environment"])
    problems = checks.env_problems("registry", env, "compose registry")
    assert problems == [
        "compose registry: OUTCOMES_BUS does not carry the REGISTRY_ prefix",
        "compose registry: REGISTRY_DATABASE_URI is not a field of RegistrySettings",
    ]
