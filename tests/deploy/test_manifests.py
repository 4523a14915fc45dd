"""Every overlay renders with the real kustomize and passes the schema and hardening checks."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from streetlevel.web.app import SITE_PATHS, is_site_path

OVERLAYS = ("dev", "prod")
Rendered = dict[str, list[dict[str, Any]]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_resource_validates_against_its_schema(
    rendered: Rendered, checks: ModuleType, overlay: str
) -> None:
    docs = rendered[overlay]
    assert [p for doc in docs for p in checks.schema_problems(doc)] == []
    kinds = {d["kind"] for d in docs}
    expected = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster", "Database"}
    expected |= {"HTTPRoute", "ServiceMonitor", "NetworkPolicy", "Job"}
    expected |= {"HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount"}
    assert expected <= kinds


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_and_job_is_hardened_probed_and_limited(
    rendered: Rendered, checks: ModuleType, overlay: str
) -> None:
    docs = rendered[overlay]
    deployments = {
        d["metadata"]["name"] for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"]
    }
    assert set(checks.SERVICES) <= deployments
    assert [p for doc in docs for p in checks.hardening_problems(doc)] == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_an_account_autoscaler_budget_and_migration_job(
    rendered: Rendered, checks: ModuleType, overlay: str
) -> None:
    docs = rendered[overlay]
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for service in checks.SERVICES:
        for kind, name in (
            ("ServiceAccount", service),
            ("Service", service),
            ("HorizontalPodAutoscaler", service),
            ("PodDisruptionBudget", service),
            ("Job", f"{service}-migrate"),
            ("Database", service),
            ("KafkaUser", service),
        ):
            assert (kind, name) in names, f"{overlay}: {kind}/{name} missing"
    accounts = [d for d in docs if d["kind"] == "ServiceAccount"]
    assert all(a.get("automountServiceAccountToken") is False for a in accounts)
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert ("Deployment", target["name"]) in names
    # The autoscaler owns the replica count; a fixed one would fight it on every apply.
    assert all(
        "replicas" not in d["spec"]
        for d in docs
        if d["kind"] == "Deployment" and d["metadata"]["name"] in checks.SERVICES
    )


def test_production_topics_have_three_replicas_and_two_in_sync(rendered: Rendered) -> None:
    topics = [d for d in rendered["prod"] if d["kind"] == "KafkaTopic"]
    names = {t["spec"]["topicName"] for t in topics}
    assert {
        "registry.enterprise.v1",
        "commissioning.commission.v1",
        "commissioning.contract.v1",
        "outcomes.indicator.v1",
        "outcomes.plan.v1",
        "outcomes.observation.v1",
        "outcomes.observation.v1.commissioning.dlq",
        "registry.enterprise.v1.gateway-feed.dlq",
    } <= names
    for topic in topics:
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
    dev = [d for d in rendered["dev"] if d["kind"] == "KafkaTopic"]
    assert {t["spec"]["replicas"] for t in dev} == {1}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_feed_writer_cannot_read_the_internal_observation_topic(
    rendered: Rendered, overlay: str
) -> None:
    users = {d["metadata"]["name"]: d for d in rendered[overlay] if d["kind"] == "KafkaUser"}
    gateway_topics = {
        acl["resource"]["name"]
        for acl in users["gateway"]["spec"]["authorization"]["acls"]
        if acl["resource"]["type"] == "topic"
    }
    assert not any(t.startswith("outcomes.observation.v1") for t in gateway_topics)
    assert "outcomes.plan.v1" in gateway_topics
    commissioning_reads = {
        acl["resource"]["name"]
        for acl in users["commissioning"]["spec"]["authorization"]["acls"]
        if "Read" in acl["operations"]
    }
    assert "outcomes.observation.v1" in commissioning_reads
    kafka = next(d for d in rendered[overlay] if d["kind"] == "Kafka")
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_of_ours_is_under_default_deny(
    rendered: Rendered, checks: ModuleType, overlay: str
) -> None:
    policies = [d for d in rendered[overlay] if d["kind"] == "NetworkPolicy"]
    deny = next(p for p in policies if p["metadata"]["name"] == "default-deny-streetlevel")
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny["spec"]
    assert "egress" not in deny["spec"]
    selected = set(deny["spec"]["podSelector"]["matchExpressions"][0]["values"])
    assert selected == {*checks.SERVICES, checks.SITE}
    # Every policy of ours lets the pod resolve names and nothing else it did not declare.
    for policy in policies:
        if policy["metadata"]["name"].endswith("-flows"):
            first = policy["spec"]["egress"][0]
            assert {p["port"] for p in first["ports"]} == {53}


def test_the_public_site_may_talk_to_the_gateway_only(rendered: Rendered) -> None:
    policies = {d["metadata"]["name"]: d for d in rendered["prod"] if d["kind"] == "NetworkPolicy"}
    web = policies["web-flows"]["spec"]
    egress = web["egress"][1:]  # after DNS
    assert len(egress) == 1
    assert egress[0]["to"] == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "gateway",
                    "app.kubernetes.io/component": "api",
                }
            }
        }
    ]
    assert [p["port"] for p in egress[0]["ports"]] == [8000]
    sources = [rule["from"][0] for rule in web["ingress"]]
    assert {"namespaceSelector": {"matchLabels": {"streetlevel.org/edge": "true"}}} in sources


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_site_route_sends_exactly_the_sites_pages_to_the_site(
    rendered: Rendered, overlay: str
) -> None:
    routes = {d["metadata"]["name"]: d for d in rendered[overlay] if d["kind"] == "HTTPRoute"}
    (rule,) = routes["streetlevel-site"]["spec"]["rules"]
    assert [(b["name"], b["port"]) for b in rule["backendRefs"]] == [("web", 8000)]
    matched = {(m["path"]["type"], m["path"]["value"]) for m in rule["matches"]}
    expected = {
        ("PathPrefix", p.rstrip("/")) if p.endswith("/") and p != "/" else ("Exact", p)
        for p in SITE_PATHS
    }
    assert matched == expected
    # Every routed path is the site's; none of the API's paths is taken from the gateway.
    for kind, value in matched:
        assert is_site_path(value + ("/x" if kind == "PathPrefix" else ""))
    for api_path in ("/v1/areas", "/docs", "/developers", "/openapi.json", "/oauth/token"):
        assert not any(
            api_path == v or (k == "PathPrefix" and api_path.startswith(v + "/"))
            for k, v in matched
        ), api_path
