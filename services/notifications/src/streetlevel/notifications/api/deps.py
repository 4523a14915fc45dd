"""Dependencies of the routes: service state and read sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.notifications.state import Notifications


async def get_notifications(request: Request) -> Notifications:
    notifications: Notifications = request.app.state.notifications
    return notifications


NotificationsDep = Annotated[Notifications, Depends(get_notifications)]


async def read_session(notifications: NotificationsDep) -> AsyncIterator[AsyncSession]:
    """A read-only session (no unit of work: reads never write)."""
    async with notifications.runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]
