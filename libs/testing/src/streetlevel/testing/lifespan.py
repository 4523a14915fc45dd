"""``asgi_lifespan.LifespanManager`` with start and stop timeouts a loaded machine meets.

The library's defaults (5 s) are for an idle laptop; tests share two cores with a broker, a
database and other runs, and a start or stop that takes longer is slow, not broken. One that
takes longer still is stuck: shortly before the timeout the manager prints every asyncio
task's stack (the timeout then cancels them), so that a run which hung once says where.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from asgi_lifespan import LifespanManager as _LifespanManager

STARTUP_S = 120.0
SHUTDOWN_S = 60.0


def task_stacks() -> str:
    """Every pending asyncio task of the running loop, with where it waits."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        out.write(f"--- {task.get_name()}: {task.get_coro()!r}\n")
        task.print_stack(file=out)
    return out.getvalue()


@contextlib.contextmanager
def _stacks_before(timeout: float | None, what: str) -> Iterator[None]:
    """Print every task's stack if the block still runs just before ``timeout``."""
    if timeout is None:
        yield
        return
    handle = asyncio.get_running_loop().call_later(
        max(timeout - 2.0, timeout * 0.9),
        lambda: sys.stderr.write(f"lifespan {what} nearly timed out; tasks:\n{task_stacks()}"),
    )
    try:
        yield
    finally:
        handle.cancel()


class LifespanManager(_LifespanManager):
    """The library's manager; unset timeouts default to two minutes up and one down."""

    def __init__(
        self,
        app: Any,
        startup_timeout: float | None = STARTUP_S,
        shutdown_timeout: float | None = SHUTDOWN_S,
    ) -> None:
        super().__init__(app, startup_timeout=startup_timeout, shutdown_timeout=shutdown_timeout)

    async def __aenter__(self) -> _LifespanManager:
        with _stacks_before(self.startup_timeout, "start"):
            return await super().__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> bool | None:
        with _stacks_before(self.shutdown_timeout, "stop"):
            return await super().__aexit__(exc_type, exc_value, traceback)
