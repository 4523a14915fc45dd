"""The shifted clock only moves forward; the theme read model keeps the newest record per code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData

from streetlevel.common.clock import FrozenClock, ShiftedClock, SystemClock, clock_offset
from streetlevel.common.db import create_engine, database_now, session_factory
from streetlevel.common.errors import UpstreamUnavailable, ValidationProblem
from streetlevel.common.events import Envelope
from streetlevel.common.themes import (
    ThemesNotLearned,
    UnknownThemes,
    apply_theme_events,
    check_themes,
    known_themes,
    theme_table,
)

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_a_shifted_clock_replays_history_forward_and_never_goes_back() -> None:
    base = FrozenClock(T0)
    clock = ShiftedClock(base)
    assert clock.now() == T0
    clock.start_history(T0 - timedelta(days=200))
    assert clock.now() == T0 - timedelta(days=200)
    assert clock_offset(clock) == timedelta(days=-200)
    clock.travel_to(T0 - timedelta(days=100))
    clock.travel_to(T0 - timedelta(days=150))  # back in time: ignored
    assert clock.now() == T0 - timedelta(days=100)
    base.advance(hours=1)
    assert clock.now() == T0 - timedelta(days=100) + timedelta(hours=1)
    assert clock.present() == base.now()
    assert clock_offset(SystemClock()) == timedelta(0)


def envelope(kind: str, code: str, sequence: int, **data: str) -> Envelope:
    return Envelope(
        id=f"{code}-{sequence}",
        source="/streetlevel/registry",
        type=f"org.streetlevel.registry.theme.{kind}.v1",
        subject=f"theme/{code}",
        time=T0,
        sequence=str(sequence),
        data={"code": code, **data},
    )


async def test_the_read_model_learns_defines_and_retirements_and_refuses_the_rest(
    tmp_path: Path,
) -> None:
    metadata = MetaData()
    table = theme_table(metadata)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            with pytest.raises(ThemesNotLearned) as waiting:
                await check_themes(session, table, ["food"], ["body", "themes"])
            assert isinstance(waiting.value, UpstreamUnavailable)
            assert waiting.value.headers()["Retry-After"] == "5"
            await check_themes(session, table, [], ["body", "themes"])  # nothing to check
            events = [
                envelope("defined", "food", 1, name="Food", description="Food poverty."),
                envelope("defined", "youth", 1, name="Youth", description="Young people."),
                envelope("retired", "youth", 2),
                envelope("updated", "other", 1),  # not a theme event: ignored
            ]
            assert await apply_theme_events(session, table, events, T0) == 2
            await session.commit()
            assert await known_themes(session, table) == {"food"}
            await check_themes(session, table, ["food"], ["body", "themes"])
            with pytest.raises(UnknownThemes) as refused:
                await check_themes(session, table, ["youth", "wellbeing"], ["query", "theme"])
            problem = refused.value
            assert isinstance(problem, ValidationProblem)
            assert problem.status == 422
            assert problem.extensions["valid_themes"] == ["food"]
            assert [e["msg"] for e in problem.extensions["errors"]] == [
                "unknown theme 'youth'; valid codes: food",
                "unknown theme 'wellbeing'; valid codes: food",
            ]
            assert await database_now(session, FrozenClock(T0)) == T0  # SQLite: the clock
    finally:
        await engine.dispose()
