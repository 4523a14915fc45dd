"""The services the gateway routes to: mounted in-process (embedded) or reached over HTTP."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streetlevel.common.auth import KeySource
from streetlevel.common.bus.memory import MemoryBus
from streetlevel.common.clock import Clock
from streetlevel.common.settings import CommonSettings, load_settings
from streetlevel.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

SERVICE_NAMES = ("registry", "commissioning", "outcomes", "notifications")
#: API.md's prefixes, used when a service's package cannot be imported to ask it.
DEFAULT_PREFIXES: dict[str, tuple[str, ...]] = {
    "registry": ("/v1/enterprises", "/v1/areas", "/v1/themes"),
    "commissioning": ("/v1/commissions", "/v1/contracts", "/v1/ocds"),
    "outcomes": ("/v1/indicators", "/v1/plans", "/v1/observations", "/v1/reports"),
    "notifications": ("/v1/webhooks", "/v1/me"),
}


@dataclass
class ServiceSpec:
    """A routed service: an in-process ASGI ``app`` or a base ``url``."""

    name: str
    prefixes: tuple[str, ...]
    app: Any = None
    url: str | None = None
    database_url: str | None = None
    upgrade: Callable[[str], None] | None = None


class GatedMemoryBus(MemoryBus):
    """Holds deliveries until every in-process consumer has subscribed.

    Each service subscribes and starts its relay in one step; without the gate, rows left in
    a service's outbox would be delivered before a later-starting consumer subscribed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()

    async def publish(self, messages: Any) -> None:
        await self.open.wait()
        await super().publish(messages)


def _service_module(name: str, module: str) -> Any | None:
    qualified = f"streetlevel.{name}.{module}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name in (qualified, f"streetlevel.{name}"):
            return None
        raise


def _settings_class(name: str) -> type[CommonSettings]:
    module = importlib.import_module(f"streetlevel.{name}.settings")
    for value in vars(module).values():
        if (
            inspect.isclass(value)
            and issubclass(value, CommonSettings)
            and value is not CommonSettings
            and value.__module__ == module.__name__
        ):
            return value
    raise LookupError(f"streetlevel.{name}.settings defines no settings class")


def prefixes_of(name: str) -> tuple[str, ...]:
    module = _service_module(name, "app")
    if module is None or not hasattr(module, "ROUTE_PREFIXES"):
        return DEFAULT_PREFIXES[name]
    return tuple(module.ROUTE_PREFIXES)


def mount_services(
    settings: GatewaySettings,
    *,
    memory_bus: MemoryBus,
    key_source: KeySource,
    clock: Clock,
    demo: bool = False,
) -> list[ServiceSpec]:
    """Every service whose package exists, created in-process on its own SQLite file.

    Without ``STREETLEVEL_AREAS_FILE`` every service reads the seed areas (Blackpool's wards
    and a few LSOAs); the demo also lets a contract start without a standstill period.
    """
    from streetlevel.gateway.demo import write_seed_areas

    overrides: dict[str, Any] = {}
    if not os.environ.get("STREETLEVEL_AREAS_FILE"):
        overrides["areas_file"] = str(write_seed_areas(settings.data_dir))
    if demo and not os.environ.get("COMMISSIONING_STANDSTILL_DAYS"):
        overrides["standstill_days"] = 0
    specs = []
    for name in SERVICE_NAMES:
        try:
            spec = _mount(
                name,
                settings,
                memory_bus=memory_bus,
                key_source=key_source,
                clock=clock,
                overrides=overrides,
            )
        except Exception as exc:  # one unfinished service must not keep the others down
            log.error("service %s not mounted: %s: %s", name, type(exc).__name__, exc)
            continue
        if spec is None:
            log.warning("service %s not mounted: streetlevel.%s.app does not exist yet", name, name)
            continue
        specs.append(spec)
        log.info("service %s mounted in-process (%s)", name, spec.database_url)
    return specs


def _mount(
    name: str,
    settings: GatewaySettings,
    *,
    memory_bus: MemoryBus,
    key_source: KeySource,
    clock: Clock,
    overrides: dict[str, Any] | None = None,
) -> ServiceSpec | None:
    module = _service_module(name, "app")
    if module is None:
        return None
    url = f"sqlite+aiosqlite:///{settings.data_dir}/{name}.db"
    settings_class = _settings_class(name)
    known = {k: v for k, v in (overrides or {}).items() if k in settings_class.model_fields}
    service_settings = load_settings(
        settings_class,
        **known,
        database_url=url,
        bus="memory",
        environment=settings.environment,
        jwt_issuer=settings.jwt_issuer,
        jwt_audience=settings.jwt_audience,
        jwks_url=None,
        public_base_url=settings.public_base_url,
        log_level=settings.log_level,
        log_json=settings.log_json,
    )
    app = module.create_app(
        service_settings, memory_bus=memory_bus, key_source=key_source, clock=clock
    )
    migrate = _service_module(name, "migrate")
    return ServiceSpec(
        name=name,
        prefixes=tuple(module.ROUTE_PREFIXES),
        app=app,
        database_url=url,
        upgrade=getattr(migrate, "upgrade", None),
    )


def remote_services(settings: GatewaySettings) -> list[ServiceSpec]:
    """Every service at its configured URL (distributed mode)."""
    return [
        ServiceSpec(name=name, prefixes=prefixes_of(name), url=settings.service_url(name))
        for name in SERVICE_NAMES
    ]
