"""``streetlevel-events rebuild`` of commissioning's read models, on SQLite (the topic faked)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from streetlevel.commissioning import migrate
from streetlevel.commissioning.adapters import orm
from streetlevel.commissioning.app import SERVICE
from streetlevel.commissioning.service.read_models import READ_MODELS, restore_enterprises
from streetlevel.common import rebuild as rebuild_module
from streetlevel.common.clock import FrozenClock
from streetlevel.common.events import Envelope
from streetlevel.common.inbox import Applied, Inbox
from streetlevel.common.replay import main

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _event(ent: str, seq: int, status: str) -> Envelope:
    record = {"id": ent, "name": f"Co-op {ent[:4]} v{seq}", "status": status}
    return Envelope(
        id=str(uuid.uuid4()),
        source="/registry",
        type="org.streetlevel.registry.enterprise.updated.v1",
        subject=f"enterprise/{ent}",
        time=T0,
        sequence=str(seq),
        data={"enterprise": record},
    )


async def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url)
    t = orm.enterprises
    async with engine.connect() as conn:
        rows = await conn.execute(select(t.c.id, t.c.status, t.c.name, t.c.record).order_by(t.c.id))
        found = [tuple(r) for r in rows]
    await engine.dispose()
    return found


async def test_rebuild_refills_the_read_model_from_the_latest_record_of_each_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    log = [_event(a, 1, "pending"), _event(b, 1, "pending"), _event(a, 2, "verified")]
    clock = FrozenClock(T0)
    inbox = Inbox(orm.inbox, consumer="commissioning", kind="snapshot", clock=clock)

    async def apply(session: AsyncSession, events: Any) -> None:
        await restore_enterprises(session, events, T0)

    engine = create_async_engine(url)
    async with AsyncSession(engine) as session, session.begin():
        for event in log:  # as the consumer applied them, one at a time
            await inbox.apply_many(session, [event], handler_many=apply)
    original = await _rows(url)
    async with AsyncSession(engine) as session, session.begin():
        # The damage a rebuild repairs: a row edited by hand.
        await session.execute(update(orm.enterprises).values(status="dissolved"))
    # The compacted topic holds the latest record of each key only.
    compacted = [log[1], log[2]]

    async def read_topic(bootstrap: str, topic: str, **_: Any) -> list[Envelope]:
        assert topic == "registry.enterprise.v1"
        return compacted

    monkeypatch.setattr(rebuild_module, "read_topic", read_topic)
    result = await rebuild_module.rebuild(
        name="enterprises",
        model=READ_MODELS["enterprises"],
        database_url=url,
        bootstrap="unused:9092",
        clock=clock,
    )
    assert (result.records, result.rows_before, result.rows_after) == (2, 2, 2)
    assert await _rows(url) == original
    async with AsyncSession(engine) as session, session.begin():
        # A redelivery of what the rebuild applied is a duplicate; an older one is stale.
        again = await inbox.apply_many(session, [log[2]], handler_many=apply)
        older = await inbox.apply_many(session, [_event(a, 1, "pending")], handler_many=apply)
        count = await session.execute(select(func.count()).select_from(orm.inbox.inbox))
        assert again == [Applied.DUPLICATE]
        assert older == [Applied.STALE]
        assert count.scalar_one() == 4  # the three of the log, the stale one
    await engine.dispose()
    assert await _rows(url) == original


def test_the_cli_names_the_read_models_it_knows(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(SERVICE.read_models) == {"enterprises", "indicators", "themes"}
    with pytest.raises(SystemExit) as exit_info:
        main(["rebuild", "--service", "commissioning", "--read-model", "bids"])
    assert exit_info.value.code == 2
    assert "known: enterprises, indicators, themes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["rebuild", "--service", "nowhere", "--read-model", "all"])
    assert "no service 'nowhere'" in capsys.readouterr().err
