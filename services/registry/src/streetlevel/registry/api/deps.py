"""Dependencies of the registry routes: the runtime, the area cache, the caller's view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from streetlevel.common.runtime import Runtime
from streetlevel.common.service import get_runtime
from streetlevel.registry.adapters.areas import AreaCache
from streetlevel.registry.domain.model import Status
from streetlevel.registry.service.access import Ownership

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_area_cache(request: Request) -> AreaCache:
    cache: AreaCache = request.app.state.area_cache
    return cache


AreaCacheDep = Annotated[AreaCache, Depends(get_area_cache)]


def ownership_of(row: Any) -> Ownership:
    return Ownership(str(row.id), Status(row.status), row.owner_client_id, row.registered_by_org)
