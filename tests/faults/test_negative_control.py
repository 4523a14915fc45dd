"""NEGATIVE CONTROL: a consumer that commits before processing loses events, and we see it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from streetlevel_e2e_harness.faults import Tally, read_topic
from streetlevel_e2e_harness.platform import Platform
from streetlevel_e2e_harness.world import World

CONSUMER = Path(__file__).with_name("commit_first_consumer.py")
TOPIC = "registry.enterprise.v1"


def run_consumer(platform: Platform, db: Path, group: str, *extra: str) -> int:
    cmd = [sys.executable, str(CONSUMER), "--bootstrap", platform.kafka.bootstrap]
    cmd += ["--topic", TOPIC, "--group", group, "--db", str(db), *extra]
    return subprocess.run(cmd, timeout=120, check=False).returncode


@pytest.mark.timeout(300)
async def test_the_harness_reports_the_loss_of_a_consumer_that_commits_before_processing(
    platform: Platform, world: World, tmp_path: Path
) -> None:
    events = await read_topic(platform.kafka.bootstrap, TOPIC)
    assert len(events) >= 10, "the world has published enough registry events"
    db, group = tmp_path / "applied.db", f"negative-control-{uuid.uuid4().hex[:8]}"
    assert run_consumer(platform, db, group, "--kill-after", "1") == -signal.SIGKILL
    assert run_consumer(platform, db, group) == 0
    with sqlite3.connect(db) as conn:
        applied = Counter(row[0] for row in conn.execute("SELECT event_id FROM applied"))
    result = Tally(
        "negative control (offsets committed before processing, killed mid-batch)",
        acked={e["id"] for e in events},
        published=Counter(e["id"] for e in events),
        applied=applied,
    )
    result.report()
    assert result.lost > 0, "the harness must see the loss it exists to detect"
