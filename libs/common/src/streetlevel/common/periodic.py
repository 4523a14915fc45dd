"""A background task that runs one job every ``interval_s`` for a service's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

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

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        if not self.first:
            await asyncio.sleep(self.interval_s)
        while True:
            try:
                await self.job()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is retried on the next tick
                log.exception("%s: a round failed", self.name)
            await asyncio.sleep(self.interval_s)


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
