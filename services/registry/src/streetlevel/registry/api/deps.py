"""Dependencies of the registry routes: the runtime, the service state, the caller's view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from streetlevel.common.runtime import Runtime
from streetlevel.common.service import get_runtime
from streetlevel.registry.adapters.areas import AreaCache
from streetlevel.registry.domain.model import Status
from streetlevel.registry.service.access import Ownership
from streetlevel.registry.service.context import Services

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_area_cache(services: ServicesDep) -> AreaCache:
    return services.area_cache


AreaCacheDep = Annotated[AreaCache, Depends(get_area_cache)]


def ownership_of(row: Any) -> Ownership:
    return Ownership(str(row.id), Status(row.status), row.owner_client_id, row.registered_by_org)
