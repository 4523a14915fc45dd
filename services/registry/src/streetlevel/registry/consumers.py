"""Event entrypoints: the registry reads its own open register back for private notices."""

from __future__ import annotations

from streetlevel.common.runtime import Runtime
from streetlevel.registry.domain.events import TOPIC
from streetlevel.registry.service import private_notices

#: Its own group: the verification use cases stay as they are; the notice follows the event.
NOTICES_GROUP = "registry-private"


def register(runtime: Runtime) -> None:
    """Subscribe the service's consumer (before the runtime starts)."""
    runtime.subscribe(
        NOTICES_GROUP,
        [TOPIC],
        lambda uow, event: private_notices.notify_verification(uow=uow, event=event),
        kind="snapshot",
    )
