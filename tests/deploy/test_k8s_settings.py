"""The manifests configure each service with its real settings, and the topology agrees."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

Rendered = dict[str, list[dict[str, Any]]]
REQUIRED = ("DATABASE_URL", "BUS", "KAFKA_BOOTSTRAP_SERVERS")


@pytest.fixture(scope="module")
def generator(checks: ModuleType) -> ModuleType:
    path = checks.ROOT / "deploy" / "k8s" / "generate.py"
    spec = importlib.util.spec_from_file_location("deploy_k8s_generate", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses resolve their annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_manifest_environment_names_are_real_settings_fields(
    rendered: Rendered, checks: ModuleType, overlay: str
) -> None:
    problems = []
    for w in checks.workloads(rendered[overlay]):
        where = f"{overlay} {w.kind} {w.service}"
        problems += checks.env_problems(w.service, set(w.env), where)
        problems += checks.env_problems(
            w.service, {name.upper() for name in w.secret_files}, f"{where} secret"
        )
        if w.service == checks.SITE:
            # The public site holds no secret at all: it reads the public API anonymously.
            assert w.secret_names == []
            assert w.secret_files == {}
            assert w.env["WEB_GATEWAY_URL"] == "http://gateway:8000"
            assert w.image.rsplit(":", 1)[0].endswith("/web")
            continue
        assert w.env["STREETLEVEL_SECRETS_DIR"] == "/etc/streetlevel/secrets"
        # Dev's generated Secrets carry a content hash suffix, so a change rolls the pods.
        assert len(w.secret_names) == 1
        assert w.secret_names[0].startswith(f"{w.service}-secrets")
        assert w.image.rsplit(":", 1)[0].endswith(f"/{w.service}")
        prefix = w.service.upper() + "_"
        given = set(w.env) | {n.upper() for n in w.secret_files}
        missing = [f"{prefix}{r}" for r in REQUIRED if f"{prefix}{r}" not in given]
        # Production secrets are provided in the namespace, not rendered here.
        if overlay == "prod":
            missing = [m for m in missing if not m.endswith("_DATABASE_URL")]
        problems += [f"{where}: required {m} is not set" for m in missing]
    assert problems == []


@pytest.mark.parametrize(
    "service", ["registry", "commissioning", "outcomes", "notifications", "gateway"]
)
def test_dev_overlay_configuration_and_secret_files_build_the_settings(
    rendered: Rendered,
    checks: ModuleType,
    clean_env: pytest.MonkeyPatch,
    tmp_path: Path,
    service: str,
) -> None:
    workload = next(
        w
        for w in checks.workloads(rendered["dev"])
        if w.service == service and w.kind == "Deployment"
    )
    for name, value in workload.env.items():
        clean_env.setenv(name, value)
    # The Secret's keys become files; pydantic-settings must find them by name.
    for name, value in workload.secret_files.items():
        (tmp_path / name).write_text(value)
    clean_env.setenv("STREETLEVEL_SECRETS_DIR", str(tmp_path))
    settings = checks.load_service_settings(service)
    assert settings.bus == "kafka"
    assert settings.kafka_create_topics is False
    assert settings.database_url.endswith(f"@streetlevel-pg-rw:5432/{service}")
    kafka = next(d for d in rendered["dev"] if d["kind"] == "Kafka")
    listener = kafka["spec"]["kafka"]["listeners"][0]
    expected = f"{kafka['metadata']['name']}-kafka-bootstrap:{listener['port']}"
    assert settings.kafka_bootstrap_servers == expected
    cluster = next(d for d in rendered["dev"] if d["kind"] == "Cluster")
    assert f"@{cluster['metadata']['name']}-rw:" in settings.database_url
    services = {d["metadata"]["name"]: d for d in rendered["dev"] if d["kind"] == "Service"}
    if service == "gateway":
        assert settings.mode == "distributed"
        assert settings.server_key is not None
        for upstream in ("registry", "commissioning", "outcomes", "notifications"):
            port = services[upstream]["spec"]["ports"][0]["port"]
            assert settings.service_url(upstream) == f"http://{upstream}:{port}"
    else:
        port = services["gateway"]["spec"]["ports"][0]["port"]
        assert settings.jwks_url == f"http://gateway:{port}/.well-known/jwks.json"


def test_committed_generated_manifests_equal_the_generator_output(generator: ModuleType) -> None:
    outputs = generator.outputs()
    assert len(outputs) == 3
    for path, text in outputs.items():
        assert path.read_text() == text, f"{path} is stale: run python3 deploy/k8s/generate.py"


def test_the_generator_refuses_to_let_the_feed_writer_read_an_internal_topic(
    generator: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaky = tuple(
        t if t.public else type(t)(t.name, False, t.producer, (*t.consumers, "gateway-feed"))
        for t in generator.TOPICS
    )
    monkeypatch.setattr(generator, "TOPICS", leaky)
    with pytest.raises(ValueError, match=r"outcomes\.observation\.v1"):
        generator.kafka_users()


def test_network_policies_allow_exactly_the_declared_flows(
    rendered: Rendered, generator: ModuleType
) -> None:
    policies = {d["metadata"]["name"]: d for d in rendered["prod"] if d["kind"] == "NetworkPolicy"}
    registry = policies["registry-flows"]["spec"]
    ingress_from = [peer for rule in registry["ingress"] for peer in rule["from"]]
    assert generator.PEERS["gateway"] in ingress_from
    assert generator.PEERS["commissioning"] not in ingress_from
    egress_to = [peer for rule in registry["egress"] for peer in rule["to"]]
    assert generator.PEERS["postgres"] in egress_to
    assert generator.PEERS["kafka"] in egress_to
    assert generator.PEERS["redis"] not in egress_to
    gateway_egress = [p for r in policies["gateway-flows"]["spec"]["egress"] for p in r["to"]]
    assert generator.PEERS["redis"] in gateway_egress
    migrate = policies["registry-migrate-flows"]["spec"]
    assert "ingress" not in migrate
    assert [p for r in migrate["egress"][1:] for p in r["to"]] == [generator.PEERS["postgres"]]
    # Labels the policies select on are the ones the pods carry.
    deployments = [d for d in rendered["prod"] if d["kind"] == "Deployment"]
    for dep in deployments:
        labels = dep["spec"]["template"]["metadata"]["labels"]
        selector = generator.PEERS[labels["app.kubernetes.io/name"]]["podSelector"]["matchLabels"]
        assert selector.items() <= labels.items()


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_service_publishes_under_the_one_public_host_of_the_overlay(
    rendered: Rendered, checks: ModuleType, overlay: str
) -> None:
    route = next(d for d in rendered[overlay] if d["kind"] == "HTTPRoute")
    (host,) = route["spec"]["hostnames"]
    found = {
        w.service: w.env.get(f"{w.service.upper()}_PUBLIC_BASE_URL")
        for w in checks.workloads(rendered[overlay])
        if w.kind == "Deployment"
    }
    assert found == dict.fromkeys(
        ("registry", "commissioning", "outcomes", "notifications", "gateway", "web"),
        f"https://{host}",
    )
    # The site's pages are served on the same host as the API.
    routes = [d for d in rendered[overlay] if d["kind"] == "HTTPRoute"]
    assert {tuple(r["spec"]["hostnames"]) for r in routes} == {(host,)}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_no_overlay_lets_webhooks_reach_loopback_and_egress_is_443_outside_the_cluster(
    rendered: Rendered, checks: ModuleType, clean_env: pytest.MonkeyPatch, overlay: str
) -> None:
    workload = next(
        w
        for w in checks.workloads(rendered[overlay])
        if w.service == "notifications" and w.kind == "Deployment"
    )
    assert workload.env["NOTIFICATIONS_TEST_LOOPBACK_TARGETS"] == "false"
    for name in (
        "NOTIFICATIONS_ENVIRONMENT",
        "NOTIFICATIONS_PUBLIC_BASE_URL",
        "NOTIFICATIONS_TEST_LOOPBACK_TARGETS",
    ):
        clean_env.setenv(name, workload.env[name])
    assert checks.load_service_settings("notifications").test_loopback_targets is False
    policies = {d["metadata"]["name"]: d for d in rendered[overlay] if d["kind"] == "NetworkPolicy"}
    outside = [
        rule
        for rule in policies["notifications-flows"]["spec"]["egress"]
        if any("ipBlock" in peer for peer in rule["to"])
    ]
    assert outside
    for rule in outside:
        assert rule["ports"] == [{"protocol": "TCP", "port": 443}]
        for peer in rule["to"]:
            excluded = peer["ipBlock"].get("except", [])
            assert "10.0.0.0/8" in excluded or "fc00::/7" in excluded
    # No other workload of ours reaches outside the cluster.
    for name, policy in policies.items():
        if name != "notifications-flows":
            egress = policy["spec"].get("egress", [])
            assert not any("ipBlock" in p for r in egress for p in r.get("to", [])), name
