"""What every use case needs: the runtime (unit of work, clock), settings and areas."""

from __future__ import annotations

from dataclasses import dataclass

from streetlevel.commissioning.settings import CommissioningSettings
from streetlevel.common.areas import AreaIndex
from streetlevel.common.clock import Clock
from streetlevel.common.runtime import Runtime
from streetlevel.common.uow import UnitOfWork


@dataclass(frozen=True)
class Services:
    runtime: Runtime
    settings: CommissioningSettings
    areas: AreaIndex

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    def uow(self) -> UnitOfWork:
        return self.runtime.uow()
