"""Dependencies of the routes: service state and read sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.notifications.service.context import Services


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def read_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A read-only session (no unit of work: reads never write)."""
    async with services.runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]
