"""``asgi_lifespan.LifespanManager`` with start and stop timeouts a loaded machine meets.

The library's defaults (5 s) are for an idle laptop; tests share two cores with a broker, a
database and other runs, and a start or stop that takes longer is slow, not broken.
"""

from __future__ import annotations

from typing import Any

from asgi_lifespan import LifespanManager as _LifespanManager

STARTUP_S = 120.0
SHUTDOWN_S = 60.0


class LifespanManager(_LifespanManager):
    """The library's manager; unset timeouts default to two minutes up and one down."""

    def __init__(
        self,
        app: Any,
        startup_timeout: float | None = STARTUP_S,
        shutdown_timeout: float | None = SHUTDOWN_S,
    ) -> None:
        super().__init__(app, startup_timeout=startup_timeout, shutdown_timeout=shutdown_timeout)
