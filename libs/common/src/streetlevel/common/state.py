"""A service's state for its lifetime: the runtime, the settings, and what its use cases share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from streetlevel.common.clock import Clock
from streetlevel.common.runtime import Runtime
from streetlevel.common.settings import CommonSettings
from streetlevel.common.uow import UnitOfWork

S = TypeVar("S", bound=CommonSettings)


@dataclass
class ServiceState(Generic[S]):
    """Base of each service's ``service/context.py:Services``, kept as ``app.state.services``."""

    runtime: Runtime
    settings: S

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    def uow(self) -> UnitOfWork:
        return self.runtime.uow()
