"""Async engines and sessions for PostgreSQL (asyncpg) and SQLite (aiosqlite), exact money."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from weakref import WeakKeyDictionary

import asyncpg
import orjson
from sqlalchemy import BigInteger, DateTime, Dialect, Table, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolProxiedConnection
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_

from streetlevel.common.clock import Clock, clock_offset
from streetlevel.common.readpool import ReadPool

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Execution option that makes a SQLite transaction start with ``BEGIN IMMEDIATE``.
WRITE = {"streetlevel_write": True}

_PENCE = Decimal("0.01")
#: Beyond this an amount in pence would not fit a signed 64-bit integer.
MAX_AMOUNT = Decimal(2**63 - 1) / 100


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def json_dumps(value: Any) -> str:
    """JSON column values as text (orjson; non-string keys become strings as with ``json``)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: Every PostgreSQL connection's settings. asyncpg prepares every statement; after five runs
#: PostgreSQL may switch a statement to a generic plan that ignores its parameters (the
#: registry's GIN search went from 5 ms to seconds at 1M rows). Custom plans cost a planning
#: pass and keep plans right. Floats cast to text in SQL keep every digit (PostgreSQL's default,
#: stated so that a server configured otherwise cannot change what is rendered in SQL).
SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan", "extra_float_digits": "1"}


def create_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, pre_ping: bool = True
) -> AsyncEngine:
    """An engine for ``url``: SQLite gets WAL, a busy timeout, foreign keys and IMMEDIATE writes."""
    # JSON columns go through orjson. A ping per checkout by default (see _ping_on_checkout):
    # without it, connections broken by a database restart answered requests with 500s (the
    # security suite after the PostgreSQL restart fault test caught it).
    json_options: dict[str, Any] = {
        "json_serializer": json_dumps,
        "json_deserializer": orjson.loads,
    }
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            echo=echo,
            poolclass=NullPool if ":memory:" not in url else None,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **json_options,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        # Up to 2 x pool_size connections, all kept once opened: overflow connections would
        # be opened and closed again per request whenever concurrency passes pool_size.
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_recycle=1800,
        connect_args={"server_settings": SERVER_SETTINGS},
        **json_options,
    )
    if pre_ping:
        _ping_on_checkout(engine)
    return engine


_FRESH = "streetlevel_fresh"
#: Set inside ``unpinged()``: checkouts skip the ping.
_UNPINGED: ContextVar[bool] = ContextVar("streetlevel_unpinged", default=False)


@contextmanager
def unpinged() -> Iterator[None]:
    """Checkouts inside skip the ping: for callers that retry a broken connection themselves."""
    # A broken connection then fails the first statement instead; SQLAlchemy invalidates it
    # and every connection opened before it, so the caller's retry gets a fresh one.
    token = _UNPINGED.set(True)
    try:
        yield
    finally:
        _UNPINGED.reset(token)


def _ping_on_checkout(engine: AsyncEngine) -> None:
    """Ping a pooled PostgreSQL connection on checkout: one simple query, no transaction."""
    # SQLAlchemy's own pre-ping costs three round trips on asyncpg (BEGIN, the ping, ROLLBACK:
    # it wraps its prepared ping in a transaction for PgBouncer's transaction mode). A simple
    # query protocol ``SELECT 1`` is one round trip with no prepared statement and nothing left
    # open, so it suits a transaction pooler too (asyncpg's ``execute`` fails on an empty
    # query). A failed ping invalidates every connection opened before it (a restart broke
    # them all) and the pool hands out a new one, as pre-ping does.
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "connect")
    def _fresh(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_FRESH] = True  # just opened: no need to ping it

    @event.listens_for(pool, "checkout")
    def _ping(_dbapi: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        if record.info.pop(_FRESH, False) or _UNPINGED.get():
            return
        try:
            await_(proxy.driver_connection.execute("SELECT 1"))  # type: ignore[union-attr]
        except Exception as exc:
            raise InvalidatePoolError(f"ping failed: {type(exc).__name__}") from exc


#: Connections in each engine's read pool (see ``read_pool``).
READ_POOL_SIZE = 8
_read_pools: WeakKeyDictionary[Any, ReadPool] = WeakKeyDictionary()


async def _json_codecs(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind, encoder=json_dumps, decoder=orjson.loads, schema="pg_catalog", format="text"
        )


async def read_pool(engine: AsyncEngine) -> ReadPool:
    """A small pool of asyncpg connections beside a PostgreSQL engine's, for its hottest lookups.

    A read costs one round trip and far less Python than a checkout from the engine's pool (no
    greenlet, no reset on return) or from asyncpg's (``ReadPool``). Its connections are
    never pinged, so a caller falls back to the engine (which pings) when a read fails; a
    broken connection is dropped by the pool. It is closed when the engine is disposed.
    Unlike the engine, it lets PostgreSQL keep generic plans, so its statements must be ones
    whose plan does not depend on their values (a lookup by key): planning a primary-key
    lookup on every execution cost the database ~60 us of its ~100 us per read.
    """
    sync_engine = engine.sync_engine
    pool = _read_pools.get(sync_engine)
    if pool is None:
        pool = _read_pools[sync_engine] = ReadPool(
            asyncpg_dsn(engine.url.render_as_string(hide_password=False)),
            size=READ_POOL_SIZE,
            init=_json_codecs,
            server_settings={**SERVER_SETTINGS, "plan_cache_mode": "auto"},
        )

        def _close(_engine: Any, closing: ReadPool = pool) -> None:
            if _read_pools.get(sync_engine) is closing:
                del _read_pools[sync_engine]
            closing.terminate()

        event.listen(sync_engine, "engine_disposed", _close, once=True)
    return pool


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control so that writes can start with BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # One writer per database: a write takes the lock up front instead of failing
        # with SQLITE_BUSY on upgrade; reads stay deferred and never block writers (WAL).
        if conn.get_execution_options().get("streetlevel_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@functools.cache
def upsert(table: Table, dialect: str, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of ``columns``, built once per shape.

    Building it per call cost more than running it (``excluded`` copies the table's columns).
    """
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in columns}
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def begin_write(session: AsyncSession) -> None:
    """Start the session's transaction as a write (``BEGIN IMMEDIATE`` on SQLite)."""
    await session.connection(execution_options=WRITE)


def to_pence(amount: Decimal | str | int) -> int:
    """Exact conversion of a money amount to integer pence; rejects fractions of a penny."""
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        raise ValueError("money amounts are decimal numbers") from exc
    if not value.is_finite():
        raise ValueError("money amounts are finite")
    if abs(value) > MAX_AMOUNT:
        raise ValueError("money amount out of range")
    if value != value.quantize(_PENCE):
        raise ValueError("money amounts have at most two decimal places")
    return int(value * 100)


def from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(_PENCE, rounding=ROUND_HALF_UP)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, including on SQLite (which drops it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Pence(TypeDecorator[Decimal]):
    """A money amount stored exactly as integer pence on every database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return None if value is None else to_pence(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_pence(value)


_PG_DB = re.compile(r"^(?P<base>postgresql\+asyncpg://[^/]+)/(?P<db>[^?]+)(?P<query>\?.*)?$")


def with_database(url: str, database: str) -> str:
    """The same PostgreSQL URL pointing at another database."""
    match = _PG_DB.match(url)
    if not match:
        raise ValueError("not a postgresql+asyncpg URL with a database")
    return f"{match['base']}/{database}{match['query'] or ''}"


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as a plain libpq DSN for asyncpg."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def database_now(session: AsyncSession, clock: Clock) -> datetime:
    """The database clock on PostgreSQL (this statement's time); ``clock`` elsewhere.

    Every replica then agrees on "now" for rules about dates, whatever its own clock says. A
    shifted clock (rehearsals, tests) shifts the database clock by the same offset.
    """
    if session.get_bind().dialect.name != "postgresql":
        return clock.now()
    value = (await session.execute(text("SELECT statement_timestamp()"))).scalar_one()
    if not isinstance(value, datetime):
        return clock.now()
    return (value if value.tzinfo else value.replace(tzinfo=UTC)) + clock_offset(clock)
