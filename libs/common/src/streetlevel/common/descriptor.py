"""What a service tells the platform and the stack tooling about itself, in its own ``app.py``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streetlevel.common.settings import CommonSettings

#: uvicorn's ``--http`` for every service: httptools, each response written once (server.py).
HTTP_PROTOCOL = "streetlevel.common.server:JoinedHttpProtocol"


@dataclass(frozen=True)
class ServiceDescriptor:
    """One service: its name, app factory, settings class, route prefixes and migrations."""

    name: str
    #: ``create_app(settings, *, memory_bus=, key_source=, clock=)`` → the service's ASGI app.
    create_app: Callable[..., Any]
    settings: type[CommonSettings]
    #: The paths under which the gateway routes to it (API.md); empty for the gateway itself.
    prefixes: tuple[str, ...]
    #: Alembic upgrade to head of the database at the given URL; None for a service that keeps
    #: no database (the public site).
    migrate: Callable[[str], None] | None = None
    #: The read models ``streetlevel-events rebuild`` can drop and refill from Kafka, by name:
    #: ``streetlevel.common.rebuild.ReadModel`` values (typed loosely so the public site, which
    #: keeps no database, imports the descriptor without SQLAlchemy).
    read_models: Mapping[str, Any] = field(default_factory=dict)
    #: uvicorn's ``--http`` for it: the image, the native stack and the benchmarks all start it
    #: with this (``streetlevel.common.server``: httptools, each response written once).
    http_protocol: str = HTTP_PROTOCOL

    @property
    def env_prefix(self) -> str:
        """The prefix of its settings' environment variables, e.g. ``REGISTRY_``."""
        return str(self.settings.model_config.get("env_prefix", ""))

    @property
    def factory(self) -> str:
        """``module:function`` of its app factory, for ``uvicorn --factory``."""
        return f"{self.create_app.__module__}:{self.create_app.__name__}"
