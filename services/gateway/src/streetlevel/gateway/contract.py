"""The published event contract: every service's AsyncAPI part merged, their schemas served.

The gateway imports no service: it asks each one for its AsyncAPI document and schema files,
in-process (embedded) or over HTTP (distributed), as it does for OpenAPI documents.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from streetlevel.common.asyncapi import VISIBILITY, merge_asyncapi
from streetlevel.common.errors import UpstreamUnavailable
from streetlevel.gateway.routing import ServiceSpec

if TYPE_CHECKING:
    import aiohttp

DocumentSource = Callable[[], Awaitable[dict[str, Any]]]
SchemaSource = Callable[[str], Awaitable[bytes | None]]


@dataclass(frozen=True)
class ContractSource:
    """How to reach one service's event contract."""

    document: DocumentSource
    schema: SchemaSource


class EventCatalogue:
    """Caches the services' documents and schema bytes for ``cache_s`` seconds."""

    def __init__(
        self, sources: dict[str, ContractSource], *, base_url: str, cache_s: float
    ) -> None:
        self.sources = sources
        self.base_url = base_url
        self.cache_s = cache_s
        self._docs: dict[str, tuple[float, dict[str, Any]]] = {}
        self._schemas: dict[str, tuple[float, bytes]] = {}
        self.missing: list[str] = []

    def _fresh(self, at: float) -> bool:
        return time.monotonic() - at < self.cache_s

    async def _document(self, service: str) -> dict[str, Any] | None:
        cached = self._docs.get(service)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        try:
            document = await self.sources[service].document()
        except Exception:  # an unreachable service leaves its part out until it is back
            return cached[1] if cached is not None else None
        self._docs[service] = (time.monotonic(), document)
        return document

    async def document(self, *, internal: bool) -> dict[str, Any]:
        """The AsyncAPI 3.0 document: public topics, or every topic for operators."""
        parts, missing = [], []
        for service in sorted(self.sources):
            part = await self._document(service)
            if part is None:
                missing.append(service)
            else:
                parts.append(part)
        self.missing = missing
        return merge_asyncapi(parts, base_url=self.base_url, internal=internal)

    async def visibility(self, event_type: str) -> str | None:
        """``public`` or ``internal`` for a type some service publishes, else None."""
        service = event_type.split(".", 1)[0]
        if service not in self.sources:
            return None
        document = await self._document(service)
        if document is None:
            # Not "no such type": its owner is down for now, and a 404 would say otherwise.
            raise UpstreamUnavailable(f"The {service} service cannot be reached; retry later.")
        messages = document.get("components", {}).get("messages", {})
        message = messages.get(event_type)
        return None if message is None else str(message.get(VISIBILITY))

    async def schema(self, event_type: str) -> bytes | None:
        """The owning service's checked-in schema of ``event_type``, byte for byte."""
        cached = self._schemas.get(event_type)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        service = event_type.split(".", 1)[0]
        try:
            body = await self.sources[service].schema(event_type)
        except Exception as exc:  # the owner is down or broken: say so, never "not found"
            raise UpstreamUnavailable(f"The {service} service cannot be reached.") from exc
        if body is not None:
            self._schemas[event_type] = (time.monotonic(), body)
        return body


def service_source(
    spec: ServiceSpec, base_url: str, session: Callable[[], aiohttp.ClientSession]
) -> ContractSource:
    """A service's event contract: its app's own object in-process, else its HTTP routes."""

    def timeout() -> aiohttp.ClientTimeout:
        import aiohttp  # at first use, as the session itself (``Proxy.client``)

        return aiohttp.ClientTimeout(total=5)

    async def document() -> dict[str, Any]:
        if spec.app is not None:
            found: dict[str, Any] = spec.app.state.event_contract.document(base_url)
            return found
        async with session().get(f"{spec.url}/asyncapi.json", timeout=timeout()) as resp:
            resp.raise_for_status()
            return dict(await resp.json())

    async def schema(event_type: str) -> bytes | None:
        if spec.app is not None:
            body: bytes | None = spec.app.state.event_contract.schema_bytes(event_type)
            return body
        url = f"{spec.url}/schemas/events/{event_type}.json"
        async with session().get(url, timeout=timeout()) as resp:
            if resp.status == 404:
                return None
            resp.raise_for_status()
            return await resp.read()

    return ContractSource(document=document, schema=schema)
