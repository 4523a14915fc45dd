"""Every service of the platform, by its descriptor: what embedded mode and the stack run.

Adding a service is one line here (after its ``SERVICE`` descriptor in its own ``app.py``).
"""

from __future__ import annotations

from streetlevel.commissioning.app import SERVICE as COMMISSIONING
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.gateway.app import SERVICE as GATEWAY
from streetlevel.notifications.app import SERVICE as NOTIFICATIONS
from streetlevel.outcomes.app import SERVICE as OUTCOMES
from streetlevel.registry.app import SERVICE as REGISTRY
from streetlevel.web.app import SERVICE as SITE

#: The services behind the gateway, in start order (a service before those that consume it).
SERVICES: tuple[ServiceDescriptor, ...] = (REGISTRY, COMMISSIONING, OUTCOMES, NOTIFICATIONS)

__all__ = ["GATEWAY", "SERVICES", "SITE", "by_name"]


def by_name(name: str) -> ServiceDescriptor:
    """One descriptor, the gateway's included; LookupError names the known ones."""
    for descriptor in (*SERVICES, GATEWAY, SITE):
        if descriptor.name == name:
            return descriptor
    known = ", ".join(d.name for d in (*SERVICES, GATEWAY, SITE))
    raise LookupError(f"no service {name!r} (known: {known})")
