"""What routes need besides the runtime: settings and the area hierarchy."""

from __future__ import annotations

from dataclasses import dataclass, field

from streetlevel.common.areas import AreaIndex
from streetlevel.common.runtime import Runtime
from streetlevel.outcomes.service.reports import PublicationCache
from streetlevel.outcomes.settings import OutcomesSettings


@dataclass
class Outcomes:
    """The service's state for its lifetime; ``areas`` is loaded in the lifespan."""

    runtime: Runtime
    settings: OutcomesSettings
    areas: AreaIndex = field(default_factory=AreaIndex)
    publications: PublicationCache = field(default_factory=PublicationCache)
