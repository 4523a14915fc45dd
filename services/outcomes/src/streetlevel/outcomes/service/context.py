"""What every use case and route needs: the runtime, settings, areas and the publication cache."""

from __future__ import annotations

from dataclasses import dataclass, field

from streetlevel.common.areas import AreaIndex
from streetlevel.common.state import ServiceState
from streetlevel.outcomes.service.reports import PublicationCache
from streetlevel.outcomes.settings import OutcomesSettings


@dataclass
class Services(ServiceState[OutcomesSettings]):
    """``areas`` is loaded in the lifespan (the area files are read off the event loop)."""

    areas: AreaIndex = field(default_factory=AreaIndex)
    publications: PublicationCache = field(default_factory=PublicationCache)
