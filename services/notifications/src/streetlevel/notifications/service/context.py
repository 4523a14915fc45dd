"""What every use case and route needs: the runtime, settings, areas, the sender and the worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from streetlevel.common.areas import AreaIndex
from streetlevel.common.state import ServiceState
from streetlevel.notifications.adapters.sender import SafeSender
from streetlevel.notifications.domain.targets import parse_target
from streetlevel.notifications.service.active_subscriptions import ActiveSubscriptions
from streetlevel.notifications.service.worker import DeliveryWorker
from streetlevel.notifications.settings import NotificationsSettings


@dataclass
class Services(ServiceState[NotificationsSettings]):
    """``areas`` is loaded in the lifespan (the area files are read off the event loop)."""

    sender: SafeSender
    worker: DeliveryWorker
    areas: AreaIndex = field(default_factory=AreaIndex)
    #: One per process: every fan-out checks it with one read of the generation.
    active: ActiveSubscriptions = field(default_factory=ActiveSubscriptions)

    async def check_url(self, url: str) -> None:
        """Refuse an unsafe target at subscription time (delivery checks it again)."""
        target = parse_target(url, allow_loopback=self.settings.test_loopback_targets)
        await self.sender.resolve(target)
