"""An Atom 1.0 feed per area, from the gateway's public change feed (read forward, kept bounded)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from streetlevel.web.gateway import GatewayClient

ATOM = "http://www.w3.org/2005/Atom"
PAGE = 200
#: Pages read per request at most, so one request never walks an unbounded history.
PAGES_PER_REQUEST = 50

TITLES = {
    "registry.enterprise.registered": "A social enterprise registered",
    "registry.enterprise.verified": "A social enterprise was verified",
    "registry.enterprise.updated": "A social enterprise's details changed",
    "registry.enterprise.suspended": "A social enterprise was suspended",
    "registry.enterprise.reinstated": "A social enterprise was reinstated",
    "registry.enterprise.dissolved": "A social enterprise was dissolved",
    "commissioning.commission.published": "A commission opened for bids",
    "commissioning.commission.amended": "A commission was amended",
    "commissioning.commission.closed": "A commission closed for bids",
    "commissioning.commission.cancelled": "A commission was cancelled",
    "commissioning.lot.awarded": "A lot was awarded",
    "commissioning.contract.created": "A contract was made",
    "commissioning.contract.activated": "A contract started",
    "commissioning.contract.completed": "A contract was completed",
    "commissioning.contract.terminated": "A contract ended early",
    "commissioning.contract.payments_updated": "Payments for a contract were updated",
    "commissioning.grant.programme_opened": "A grant programme opened",
    "commissioning.grant.programme_closed": "A grant programme closed to applications",
    "commissioning.grant.decision_published": "Grant decisions were published",
    "commissioning.grant.awarded": "A grant was awarded",
    "commissioning.grant.paid": "A grant was paid",
    "commissioning.grant.reported": "A grant's end report was received",
}


def short_type(event_type: str) -> str:
    """``org.streetlevel.registry.enterprise.verified.v1`` → ``registry.enterprise.verified``."""
    parts = event_type.split(".")
    if parts[:2] == ["org", "streetlevel"]:
        parts = parts[2:]
    if parts and parts[-1].startswith("v") and parts[-1][1:].isdigit():
        parts = parts[:-1]
    return ".".join(parts)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class FeedIndex:
    """The most recent public events, caught up from the last position read on each use."""

    def __init__(self, gw: GatewayClient, *, keep: int) -> None:
        self.gw = gw
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        self.cursor: str | None = None
        self._lock = asyncio.Lock()

    async def catch_up(self) -> None:
        async with self._lock:
            for _ in range(PAGES_PER_REQUEST):
                # The tail moves; its pages are never cached (the cursor changes each time).
                page = await self.gw.get("/v1/events", cursor=self.cursor, limit=PAGE, fresh=True)
                self.events.extend(page["items"])
                if page.get("next_cursor"):
                    self.cursor = page["next_cursor"]
                if len(page["items"]) < PAGE:
                    return

    def about(self, codes: set[str], ids: set[str]) -> list[dict[str, Any]]:
        """Events whose data names one of the areas or things, newest first."""
        wanted = codes | ids
        found = [e for e in self.events if wanted.intersection(_strings(e.get("data")))]
        return list(reversed(found))


def feed_xml(
    *,
    area: dict[str, Any],
    events: list[dict[str, Any]],
    site_url: str,
    api_url: str,
) -> bytes:
    """The Atom document for one area."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    page = f"{site_url}/areas/{area['code']}"
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{page}/feed.atom"
    ET.SubElement(root, f"{{{ATOM}}}title").text = f"Street Level: what changed in {area['name']}"
    updated = events[0]["time"] if events else datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _rfc3339(updated)
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Street Level"
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=f"{page}/feed.atom")
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page)
    ET.SubElement(root, f"{{{ATOM}}}rights").text = "Open Government Licence v3.0"
    for event in events:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:uuid:{event['id']}"
        kind = short_type(event["type"])
        ET.SubElement(entry, f"{{{ATOM}}}title").text = TITLES.get(kind, kind.replace(".", " "))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _rfc3339(event["time"])
        href = _link(event, site_url, api_url)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=href)
        summary = ET.SubElement(entry, f"{{{ATOM}}}summary")
        summary.text = f"{kind} ({event.get('subject', '')}), position {event.get('position')}"
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _rfc3339(value: str) -> str:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _link(event: dict[str, Any], site_url: str, api_url: str) -> str:
    kind, _, ident = str(event.get("subject", "")).partition("/")
    if kind == "enterprise" and ident:
        return f"{site_url}/enterprises/{ident}"
    if kind == "commission" and ident:
        return f"{site_url}/commissions/{ident}"
    if kind == "contract" and ident:
        return f"{api_url}/v1/contracts/{ident}"
    if kind == "grant-programme" and ident:
        return f"{api_url}/v1/grant-programmes/{ident}"
    if kind == "grant" and ident:
        return f"{api_url}/v1/grants/{ident}"
    return f"{api_url}/v1/events"
