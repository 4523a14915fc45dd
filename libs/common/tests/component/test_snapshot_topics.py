"""Every runtime creates the snapshot topics compacted, whichever service starts first."""

from __future__ import annotations

from pathlib import Path

from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.runtime import SNAPSHOT_TOPICS, Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.testing.probe import Probe


def test_a_runtime_declares_the_snapshot_topics_compacted_without_being_told(
    tmp_path: Path,
) -> None:
    settings = CommonSettings(
        service_name="probe", database_url=f"sqlite+aiosqlite:///{tmp_path}/probe.db"
    )
    probe = Probe()
    plain = Runtime(settings, outbox=probe.outbox, memory_bus=MemoryBus())
    assert plain.compacted == {
        "registry.enterprise.v1",
        "outcomes.indicator.v1",
        "registry.theme.v1",
    }
    extra = Runtime(settings, outbox=probe.outbox, memory_bus=MemoryBus(), compacted=["x.v1"])
    assert extra.compacted == SNAPSHOT_TOPICS | {"x.v1"}
