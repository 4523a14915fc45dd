"""A background task that runs one job every ``interval_s`` for a service's lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from streetlevel.common.timeouts import end_loop, nap

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``job`` every ``interval_s``; a failed round is logged and retried on the next."""

    def __init__(
        self, name: str, job: Callable[[], Awaitable[Any]], interval_s: float, *, first: bool
    ) -> None:
        self.name = name
        self.job = job
        self.interval_s = interval_s
        #: Whether the first round runs at once (True) or after one interval.
        self.first = first
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        await end_loop(self._task, self._stopping)
        self._task = None

    async def _run(self) -> None:
        if not self.first:
            await nap(self.interval_s, self._stopping)
        while not self._stopping.is_set():
            try:
                await self.job()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is retried on the next tick
                log.exception("%s: a round failed", self.name)
            await nap(self.interval_s, self._stopping)


def around_lifespan(app: Any, task: Periodic, *, enabled: bool) -> None:
    """Wrap ``app``'s lifespan so that ``task`` runs (when enabled) while the app does."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[None]:
        async with inner(app_):
            if enabled:
                task.start()
            try:
                yield
            finally:
                await task.stop()

    app.router.lifespan_context = lifespan
