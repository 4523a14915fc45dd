"""The relay lease: one active publisher per service (PostgreSQL advisory lock, or local)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

import asyncpg

from streetlevel.common.metrics import LEASE_ACQUIRED, LEASE_HELD
from streetlevel.common.timeouts import within

log = logging.getLogger(__name__)

#: Failures that mean the lease connection (and with it the lock) can no longer be trusted.
_CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
)


class LeaseLost(Exception):
    """The lease is not held (or its connection just failed): nothing may be published."""


class Lease(Protocol):
    """Held by at most one relay of a service at a time."""

    @property
    def is_held(self) -> bool: ...

    async def acquire(self) -> bool: ...

    async def check(self) -> bool: ...

    async def release(self) -> None: ...

    def on_notify(self, callback: Callable[[], None]) -> None: ...


class LocalLease:
    """Embedded mode: one process owns the SQLite file's relay, so the lease is always held."""

    def __init__(self, name: str = "local") -> None:
        self.name = name
        self._held = False

    @property
    def is_held(self) -> bool:
        return self._held

    async def acquire(self) -> bool:
        if not self._held:
            LEASE_ACQUIRED.labels(self.name).inc()
        self._held = True
        LEASE_HELD.labels(self.name).set(1)
        return True

    async def check(self) -> bool:
        return self._held

    async def release(self) -> None:
        self._held = False
        LEASE_HELD.labels(self.name).set(0)

    def on_notify(self, callback: Callable[[], None]) -> None:
        """Local commits wake the relay directly (see UnitOfWork hooks)."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    digest = hashlib.sha256(f"streetlevel:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLease:
    """A session-level advisory lock held on a direct connection, which also LISTENs.

    If the connection dies the lock is gone with it: ``check`` notices and the relay stops
    publishing until it wins the lock again, while a standby may take over.
    """

    def __init__(
        self,
        dsn: str,
        *,
        name: str,
        channel: str | None = None,
        check_timeout_s: float = 2.0,
        statement_timeout_s: float = 15.0,
    ) -> None:
        self.dsn = dsn
        self.name = name
        self.key = lock_key(name)
        self.channel = channel
        self.check_timeout_s = check_timeout_s
        self.statement_timeout_s = statement_timeout_s
        self._conn: asyncpg.Connection | None = None
        self._held = False
        self._callbacks: list[Callable[[], None]] = []

    @property
    def is_held(self) -> bool:
        return self._held

    def on_notify(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _notified(self, *_args: Any) -> None:
        for callback in self._callbacks:
            callback()

    async def acquire(self) -> bool:
        if self._held and await self.check():
            return True
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self.dsn, timeout=5)
            got = await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            log.warning("relay lease: cannot reach PostgreSQL: %s", exc)
            await self._drop()
            return False
        if got:
            self._held = True
            LEASE_HELD.labels(self.name).set(1)
            LEASE_ACQUIRED.labels(self.name).inc()
            if self.channel:
                await self._conn.add_listener(self.channel, self._notified)
            log.info("relay lease acquired (key %s)", self.key)
        return bool(got)

    async def check(self) -> bool:
        if not self._held or self._conn is None or self._conn.is_closed():
            self._held = False
            LEASE_HELD.labels(self.name).set(0)
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=self.check_timeout_s)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            log.warning("relay lease lost (connection failed)")
            await self._drop()
            return False
        return True

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Run ``query`` on the lease's own connection, where the lock lives.

        Its success proves the lease was held when it ran, so no separate check is needed;
        a connection failure drops the lease (the lock went with the connection).
        """
        conn = self._conn
        if not self._held or conn is None or conn.is_closed():
            self._held = False
            LEASE_HELD.labels(self.name).set(0)
            raise LeaseLost("the relay lease is not held")
        try:
            rows: list[asyncpg.Record] = await conn.fetch(
                query, *args, timeout=self.statement_timeout_s
            )
        except _CONNECTION_ERRORS as exc:
            log.warning("relay lease lost (connection failed: %s)", exc)
            await self._drop()
            raise LeaseLost(str(exc)) from exc
        return rows

    async def release(self) -> None:
        if self._conn is not None and not self._conn.is_closed() and self._held:
            with contextlib.suppress(Exception):
                await self._conn.fetchval("SELECT pg_advisory_unlock($1)", self.key)
        await self._drop()

    def abandon(self) -> None:
        """Drop the connection abruptly, as a crashed process would (tests' fault point)."""
        if self._conn is not None:
            self._conn.terminate()
        self._conn = None
        self._held = False
        LEASE_HELD.labels(self.name).set(0)

    async def _drop(self) -> None:
        self._held = False
        LEASE_HELD.labels(self.name).set(0)
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await within(2, conn.close())
