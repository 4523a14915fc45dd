"""Dependencies of the routes: service state, read sessions, role-keyed ETags."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.etags import version_tag
from streetlevel.outcomes.service.access import Role
from streetlevel.outcomes.service.context import Services

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def read_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A read-only session (no unit of work: reads never write)."""
    async with services.runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]


def version_etag(version: int, role: Role) -> str:
    """An ETag per version and representation (the public one shows less)."""
    return version_tag(version, "public" if role == "public" else None)
