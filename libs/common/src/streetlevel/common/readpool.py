"""A lean pool of asyncpg connections for single-statement key lookups (``db.read_pool``)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

Init = Callable[[asyncpg.Connection], Awaitable[None]]


class ReadPool:
    """Up to ``size`` connections, handed out last-in first-out, never reset nor pinged.

    asyncpg's own pool spends ~60 us of Python per checkout on what these reads never need
    (a proxy object, a shielded reset, an inactivity timer re-armed each time): measured at
    twice the CPU of the statement itself. Here a checkout is a list pop. A connection whose
    statement failed or was cancelled is in an unknown state and is terminated, not reused;
    one the server closed is dropped when next seen; the next checkout opens a fresh one.
    """

    def __init__(
        self,
        dsn: str,
        *,
        size: int,
        init: Init | None = None,
        server_settings: Mapping[str, str] | None = None,
    ) -> None:
        self._dsn = dsn
        self._size = size
        self._init = init
        self._settings = dict(server_settings or {})
        self._idle: list[asyncpg.Connection] = []
        self._open = 0  # connections open or being opened
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closing = False

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        """One statement's first row on a pooled connection (the hot path: no context manager)."""
        conn = await self._checkout()
        try:
            row = await conn.fetchrow(sql, *args)
        except BaseException:
            self._drop(conn)
            raise
        self._checkin(conn)
        return row

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for a few single statements (no transaction is left open)."""
        conn = await self._checkout()
        try:
            yield conn
        except BaseException:
            self._drop(conn)
            raise
        if conn.is_in_transaction():
            self._drop(conn)
        else:
            self._checkin(conn)

    def is_closing(self) -> bool:
        return self._closing

    def terminate(self) -> None:
        """Close every idle connection now; busy ones are closed as they come back."""
        self._closing = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.terminate()
        self._open -= len(idle)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the read pool is closed"))

    async def _checkout(self) -> asyncpg.Connection:
        while True:
            if self._closing:
                raise asyncpg.InterfaceError("the read pool is closed")
            while self._idle:
                conn = self._idle.pop()
                if not conn.is_closed():
                    return conn
                self._open -= 1  # the server went away (a restart): open a fresh one
            if self._open < self._size:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._open -= 1
                    self._wake(None)
                    raise
            waiter: asyncio.Future[asyncpg.Connection | None] = (
                asyncio.get_running_loop().create_future()
            )
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    # Handed a connection (or a free slot) just as it was cancelled: pass it on.
                    handed = waiter.result()
                    if handed is not None:
                        self._checkin(handed)
                    else:
                        self._wake(None)
                raise
            if handed is not None:
                return handed

    async def _connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self._dsn, server_settings=self._settings)
        if self._init is not None:
            try:
                await self._init(conn)
            except BaseException:
                conn.terminate()
                raise
        return conn

    def _checkin(self, conn: asyncpg.Connection) -> None:
        if self._closing or conn.is_closed():
            self._drop(conn)
        elif not self._wake(conn):
            self._idle.append(conn)

    def _drop(self, conn: asyncpg.Connection) -> None:
        conn.terminate()
        self._open -= 1
        self._wake(None)  # a waiter may open a connection in its place

    def _wake(self, conn: asyncpg.Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False
