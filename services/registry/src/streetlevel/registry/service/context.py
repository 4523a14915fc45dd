"""What the routes need besides the request: the runtime, settings and the area cache."""

from __future__ import annotations

from dataclasses import dataclass, field

from streetlevel.common.state import ServiceState
from streetlevel.registry.adapters.areas import AreaCache
from streetlevel.registry.settings import RegistrySettings


@dataclass
class Services(ServiceState[RegistrySettings]):
    area_cache: AreaCache = field(default_factory=AreaCache)
