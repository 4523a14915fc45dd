"""What every use case needs: the runtime (unit of work, clock), settings and areas."""

from __future__ import annotations

from dataclasses import dataclass

from streetlevel.commissioning.settings import CommissioningSettings
from streetlevel.common.areas import AreaIndex
from streetlevel.common.state import ServiceState


@dataclass
class Services(ServiceState[CommissioningSettings]):
    areas: AreaIndex
