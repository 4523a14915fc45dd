"""The gateway's app factory: ``uvicorn --factory streetlevel.gateway.app:create_app``.

Distributed, it routes to the services at their configured URLs; embedded, the platform
(``streetlevel.platform``) hands it the services mounted in-process.
"""

from __future__ import annotations

from collections.abc import Sequence

from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.settings import load_settings
from streetlevel.gateway.api.local import build_api
from streetlevel.gateway.edge import GatewayEdge
from streetlevel.gateway.settings import GatewaySettings
from streetlevel.gateway.wiring import Gateway, Hook, Services

__all__ = ["ROUTE_PREFIXES", "SERVICE", "Gateway", "GatewayEdge", "create_app"]

#: The gateway's own routes (everything else under /v1 belongs to a service).
ROUTE_PREFIXES = ("/oauth", "/.well-known", "/v1/admin", "/v1/events")


def create_app(
    settings: GatewaySettings | None = None,
    *,
    memory_bus: MemoryBus | None = None,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
    services: Services | None = None,
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
) -> GatewayEdge:
    """The gateway's ASGI app, wrapped in the shared edge middleware."""
    settings = settings or load_settings(GatewaySettings)
    gateway = Gateway(
        settings,
        api=build_api,
        services=services,
        memory_bus=memory_bus,
        key_source=key_source,
        clock=clock,
        on_start=on_start,
        on_stop=on_stop,
    )
    return GatewayEdge(gateway)


def _migrate(database_url: str) -> None:
    # Alembic costs ~0.3 s to import: only a process that migrates pays for it.
    from streetlevel.gateway import migrate

    migrate.upgrade(database_url)


SERVICE = ServiceDescriptor(
    name="gateway",
    create_app=create_app,
    settings=GatewaySettings,
    prefixes=ROUTE_PREFIXES,
    migrate=_migrate,
)
