"""Engines and money: exact pence, WAL and foreign keys, one SQLite writer (BEGIN IMMEDIATE)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from streetlevel.common.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    WRITE,
    Pence,
    asyncpg_dsn,
    begin_write,
    create_engine,
    from_pence,
    is_sqlite,
    session_factory,
    to_pence,
    upsert,
    with_database,
)

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
children = Table(
    "children",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", ForeignKey("parents.id"), nullable=False),
)
payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", Pence, nullable=True),
)
writes = Table(
    "writes", metadata, Column("id", Integer, primary_key=True), Column("who", String(10))
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, Path]]:
    path = tmp_path / "db.sqlite"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine, path
    await engine.dispose()


@pytest.mark.parametrize("amount", ["12500.00", "0.01", "0", "-3.50", "92233720368547758.07"])
async def test_money_round_trips_exactly_through_sqlite(
    db: tuple[AsyncEngine, Path], amount: str
) -> None:
    engine, _ = db
    async with engine.begin() as conn:
        await conn.execute(insert(payments).values(id=1, amount=Decimal(amount)))
        stored = (await conn.execute(select(payments.c.amount))).scalar_one()
        raw = (await conn.execute(text("SELECT amount FROM payments"))).scalar_one()

    assert stored == Decimal(amount)
    assert str(stored) == str(Decimal(amount).quantize(Decimal("0.01")))
    assert raw == int(Decimal(amount) * 100)
    assert isinstance(raw, int)


async def test_twelve_thousand_five_hundred_pounds_reads_back_as_written(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = db
    async with engine.begin() as conn:
        await conn.execute(insert(payments).values(id=1, amount=Decimal("12500.00")))
        stored = (await conn.execute(select(payments.c.amount))).scalar_one()

    assert str(stored) == "12500.00"


async def test_a_null_amount_stays_null(db: tuple[AsyncEngine, Path]) -> None:
    engine, _ = db
    async with engine.begin() as conn:
        await conn.execute(insert(payments).values(id=1, amount=None))

        assert (await conn.execute(select(payments.c.amount))).scalar_one() is None


async def test_a_fraction_of_a_penny_is_refused_by_the_column(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = db
    async with engine.begin() as conn:
        with pytest.raises(StatementError, match="two decimal places"):
            await conn.execute(insert(payments).values(id=1, amount=Decimal("0.001")))


@pytest.mark.parametrize("amount", ["0.001", "12.345", "1e-3"])
def test_to_pence_refuses_fractions_of_a_penny(amount: str) -> None:
    with pytest.raises(ValueError, match="two decimal places"):
        to_pence(amount)


def test_to_pence_refuses_binary_floats() -> None:
    with pytest.raises(ValueError, match="two decimal places"):
        to_pence(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "pence"),
    [("12.50", 1250), ("12.5", 1250), (Decimal("0.07"), 7), (3, 300), ("1E+2", 10_000)],
)
def test_to_pence_converts_exactly(amount: str | Decimal | int, pence: int) -> None:
    assert to_pence(amount) == pence
    assert from_pence(pence) == Decimal(amount)


def test_from_pence_always_has_two_places() -> None:
    assert str(from_pence(5)) == "0.05"
    assert str(from_pence(1_250_000)) == "12500.00"
    assert str(from_pence(-125)) == "-1.25"


async def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = db
    async with engine.connect() as conn:
        journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        foreign_keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
        busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()

    assert journal == "wal"
    assert foreign_keys == 1
    assert busy == SQLITE_BUSY_TIMEOUT_MS


async def test_sqlite_enforces_foreign_keys(db: tuple[AsyncEngine, Path]) -> None:
    engine, _ = db
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(children).values(id=1, parent_id=42))


def _try_to_write(path: Path) -> None:
    raw = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
    finally:
        raw.close()


async def test_begin_write_takes_the_write_lock_up_front(db: tuple[AsyncEngine, Path]) -> None:
    engine, path = db
    sessions = session_factory(engine)

    async with sessions() as session:
        await begin_write(session)

        with pytest.raises(sqlite3.OperationalError, match="locked"):
            _try_to_write(path)
        await session.rollback()

    _try_to_write(path)  # released: another writer gets in at once


async def test_a_read_transaction_does_not_take_the_write_lock(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, path = db
    sessions = session_factory(engine)

    async with sessions() as session:
        await session.execute(select(writes))

        _try_to_write(path)


async def test_a_second_writer_waits_for_the_first_instead_of_failing(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = db
    sessions = session_factory(engine)
    started, acquired = asyncio.Event(), asyncio.Event()

    async def second_writer() -> list[str]:
        async with sessions() as session:
            started.set()
            await begin_write(session)
            acquired.set()
            seen = list((await session.execute(select(writes.c.who))).scalars())
            await session.execute(insert(writes).values(who="second"))
            await session.commit()
            return seen

    async with engine.connect() as first:
        first = await first.execution_options(**WRITE)
        await first.begin()
        await first.execute(insert(writes).values(who="first"))

        task = asyncio.create_task(second_writer())
        await started.wait()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(acquired.wait()), timeout=0.2)

        async with engine.connect() as reader:  # WAL: readers are never blocked by the writer
            assert list((await reader.execute(select(writes.c.who))).scalars()) == []

        await first.commit()

    seen_by_second = await asyncio.wait_for(task, timeout=5)

    assert seen_by_second == ["first"]
    async with engine.connect() as conn:
        rows = list((await conn.execute(select(writes.c.who).order_by(writes.c.id))).scalars())
    assert rows == ["first", "second"]


async def test_an_upsert_is_built_once_per_shape_and_inserts_then_updates(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = db
    statement = upsert(writes, "sqlite", ("id",), ("who",))
    assert upsert(writes, "sqlite", ("id",), ("who",)) is statement
    assert upsert(writes, "postgresql", ("id",), ("who",)) is not statement
    async with engine.begin() as conn:
        await conn.execute(statement, [{"id": 1, "who": "first"}, {"id": 2, "who": "other"}])
        await conn.execute(statement, [{"id": 1, "who": "second"}])
        rows = (await conn.execute(select(writes.c.id, writes.c.who).order_by(writes.c.id))).all()
    assert [tuple(r) for r in rows] == [(1, "second"), (2, "other")]


def test_with_database_swaps_only_the_database_name() -> None:
    url = "postgresql+asyncpg://svc:p%40ss@db.internal:5432/registry?ssl=require"

    assert (
        with_database(url, "registry_test_1")
        == "postgresql+asyncpg://svc:p%40ss@db.internal:5432/registry_test_1?ssl=require"
    )
    assert with_database("postgresql+asyncpg://h/a", "b") == "postgresql+asyncpg://h/b"


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///./x.db", "postgresql://h/db", "postgresql+asyncpg://h"]
)
def test_with_database_refuses_other_urls(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql"):
        with_database(url, "other")


def test_url_helpers() -> None:
    assert is_sqlite("sqlite+aiosqlite:///x.db")
    assert not is_sqlite("postgresql+asyncpg://h/db")
    assert asyncpg_dsn("postgresql+asyncpg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
