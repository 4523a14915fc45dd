"""Recovery in the manifests: nightly base backups and a WAL archive; compacted snapshot topics."""

from __future__ import annotations

from typing import Any

Rendered = dict[str, list[dict[str, Any]]]
SNAPSHOT_TOPICS = ("registry.enterprise.v1", "outcomes.indicator.v1", "registry.theme.v1")


def _one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)}"
    return found[0]


def test_production_backs_up_postgresql_nightly_and_archives_wal_to_an_object_store(
    rendered: Rendered,
) -> None:
    prod = rendered["prod"]
    cluster = _one(prod, "Cluster", "streetlevel-pg")
    backup = cluster["spec"]["backup"]
    store = backup["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://")
    assert backup["retentionPolicy"] == "30d"
    assert {ref["name"] for ref in store["s3Credentials"].values()} == {
        "streetlevel-pg-backup-credentials"
    }
    assert store["wal"]["compression"] == "gzip"
    scheduled = [d for d in prod if d["kind"] == "ScheduledBackup"]
    assert [s["metadata"]["name"] for s in scheduled] == ["streetlevel-pg-nightly"]
    spec = scheduled[0]["spec"]
    assert spec["cluster"]["name"] == "streetlevel-pg"
    assert spec["method"] == "barmanObjectStore"
    assert len(spec["schedule"].split()) == 6  # CloudNativePG's cron has seconds first
    assert scheduled[0]["metadata"]["namespace"] == cluster["metadata"]["namespace"]
    # Development keeps no backups (and needs no object store).
    assert not [d for d in rendered["dev"] if d["kind"] == "ScheduledBackup"]
    assert "backup" not in _one(rendered["dev"], "Cluster", "streetlevel-pg")["spec"]


def test_snapshot_topics_are_compacted_and_keep_a_week_of_history(rendered: Rendered) -> None:
    for overlay in ("dev", "prod"):
        topics = {
            d["spec"]["topicName"]: d["spec"]["config"]
            for d in rendered[overlay]
            if d["kind"] == "KafkaTopic"
        }
        for name in SNAPSHOT_TOPICS:
            assert topics[name]["cleanup.policy"] == "compact", name
            assert topics[name]["min.compaction.lag.ms"] == 7 * 24 * 3600 * 1000, name
        # The ledgers stay deletion-only: their consumers need every event in order.
        assert topics["outcomes.observation.v1"]["cleanup.policy"] == "delete"
        assert topics["commissioning.contract.v1"]["cleanup.policy"] == "delete"
