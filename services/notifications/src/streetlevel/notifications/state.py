"""What routes need besides the runtime: settings, the area hierarchy, the sender and worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from streetlevel.common.areas import AreaIndex
from streetlevel.common.runtime import Runtime
from streetlevel.notifications.adapters.sender import SafeSender
from streetlevel.notifications.adapters.worker import DeliveryWorker
from streetlevel.notifications.domain.targets import parse_target
from streetlevel.notifications.settings import NotificationsSettings


@dataclass
class Notifications:
    """The service's state for its lifetime; ``areas`` is loaded in the lifespan."""

    runtime: Runtime
    settings: NotificationsSettings
    sender: SafeSender
    worker: DeliveryWorker
    areas: AreaIndex = field(default_factory=AreaIndex)

    async def check_url(self, url: str) -> None:
        """Refuse an unsafe target at subscription time (delivery checks it again)."""
        target = parse_target(url, allow_loopback=self.settings.test_loopback_targets)
        await self.sender.resolve(target)
