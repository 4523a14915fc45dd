"""AsyncAPI 3.0 of the platform's events: service fragments merged into one document.

A fragment is what one service describes (its channels, operations, messages and data schemas,
each marked public or internal); the merged document adds the servers, the CloudEvents envelope
and the change feed, and keeps internal parts only in the operators' variant.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from streetlevel.common.events import schema_url

ASYNCAPI_VERSION = "3.0.0"
CONTENT_TYPE = "application/cloudevents+json"
KAFKA_BINDING = "0.5.0"
#: Marks what only operators see; the gateway drops it from the public document.
VISIBILITY = "x-streetlevel-visibility"
ENVELOPE = "CloudEvent"


def _envelope(base_url: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": "CloudEvents 1.0 envelope (structured JSON mode)",
        "description": "Every event, on Kafka and on the change feed. Consumers ignore unknown "
        "attributes and unknown types.",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "dataschema",
            "sequence",
            "data",
        ],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "description": "Unique event id: deduplicate on it."},
            "source": {"type": "string", "description": "`/streetlevel/<service>`"},
            "type": {"type": "string", "description": "`org.streetlevel.<type>`"},
            "subject": {
                "type": "string",
                "description": "`<aggregate type>/<aggregate id>`",
            },
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "dataschema": {
                "type": "string",
                "format": "uri",
                "description": f"The data's JSON Schema: {schema_url(base_url, '<type>')}",
            },
            "sequence": {
                "type": "string",
                "pattern": "^[0-9]+$",
                "description": "Per-aggregate version; compare as an integer.",
            },
            "correlationid": {"type": "string", "description": "The request that caused it."},
            "causationid": {"type": "string", "description": "The event that caused it."},
            "traceparent": {"type": "string", "description": "W3C trace context."},
            "position": {
                "type": "integer",
                "description": "Only on the change feed: the gapless, increasing position the "
                "feed writer assigned (the cursor to resume from).",
            },
            "data": {"type": "object"},
        },
    }


FEED_DESCRIPTION = (
    "The public change feed: every event of every public topic, each the CloudEvents envelope "
    "exactly as published plus a `position`. Positions are gapless and increasing; events of "
    "one aggregate keep their order; the feed never reorders or skips what it has shown. Page "
    "with `GET /v1/events?cursor=<position>` (a cursor older than the retention is 410 Gone) "
    "or stream Server-Sent Events (`Accept: text/event-stream`, `id` = position, resume with "
    "`Last-Event-ID`). Private fields and internal topics never appear."
)


def merge_asyncapi(
    fragments: Iterable[dict[str, Any]], *, base_url: str, internal: bool, version: str = "1.0.0"
) -> dict[str, Any]:
    """One AsyncAPI 3.0 document from service fragments; public parts only unless ``internal``."""
    wanted = ("public", "internal") if internal else ("public",)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    # A service's own document is a fragment too: only its marked parts are taken (the
    # change feed, servers and envelope are the merged document's own).
    for fragment in fragments:
        for name, channel in fragment.get("channels", {}).items():
            if channel.get(VISIBILITY) in wanted:
                channels[name] = copy.deepcopy(channel)
        for name, operation in fragment.get("operations", {}).items():
            if operation.get(VISIBILITY) in wanted:
                operations[name] = copy.deepcopy(operation)
        components = fragment.get("components", {})
        for name, message in components.get("messages", {}).items():
            if message.get(VISIBILITY) in wanted:
                messages[name] = copy.deepcopy(message)
        for name, schema in components.get("schemas", {}).items():
            if name != ENVELOPE:
                schemas[name] = copy.deepcopy(schema)
    public = sorted(n for n, m in messages.items() if m.get(VISIBILITY) == "public")
    channels["changeFeed"] = {
        "address": "/v1/events",
        "title": "The public change feed",
        "description": FEED_DESCRIPTION,
        "servers": [{"$ref": "#/servers/api"}],
        "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in public},
    }
    operations["changeFeed.read"] = {
        "action": "send",
        "title": "The gateway serves the change feed",
        "channel": {"$ref": "#/channels/changeFeed"},
        "messages": [{"$ref": f"#/channels/changeFeed/messages/{n}"} for n in public],
    }
    used = _referenced_schemas(channels, messages, schemas)
    url = urlsplit(base_url)
    api_server: dict[str, Any] = {
        "host": url.netloc,
        "protocol": url.scheme,
        "description": "The gateway: the change feed and the schemas every `dataschema` names.",
    }
    if url.path:
        api_server["pathname"] = url.path
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:org:streetlevel:events",
        "info": {
            "title": "Street Level events" + (" (operators)" if internal else ""),
            "version": version,
            "description": (
                "Domain events of Street Level as CloudEvents 1.0 (structured JSON mode). One "
                "Kafka topic per aggregate type; a breaking change is a new `.vN` type on a new "
                "topic, published alongside the old one. Each type's data schema is served at "
                f"`{schema_url(base_url, '<type>')}`, the event's `dataschema`."
                + (" This variant adds internal topics: never expose it." if internal else "")
            ),
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The platform's Kafka cluster (consumers inside the platform).",
                "variables": {
                    "bootstrap": {
                        "description": "bootstrap servers",
                        "default": "localhost:9092",
                    }
                },
            },
            "api": api_server,
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": dict(sorted(messages.items())),
            "schemas": {ENVELOPE: _envelope(base_url)}
            | {k: schemas[k] for k in sorted(schemas) if k in used},
        },
    }


def _referenced_schemas(*roots: Any) -> set[str]:
    """Names of component schemas reachable from ``roots`` through ``$ref`` (transitively)."""
    schemas: dict[str, Any] = roots[-1]
    seen: set[str] = set()
    stack: list[Any] = list(roots[:-1])
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            prefix = "#/components/schemas/"
            if isinstance(ref, str) and ref.startswith(prefix):
                name = ref.removeprefix(prefix)
                if name not in seen and name in schemas:
                    seen.add(name)
                    stack.append(schemas[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen
