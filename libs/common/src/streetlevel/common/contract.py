"""The published event contract: checked-in JSON Schemas, served as is, and AsyncAPI 3.0.

Each service owns its event types' JSON Schemas (package data, checked in, compared with the
models by tests/contract) and describes its topics as an AsyncAPI fragment; the gateway merges
the fragments into the one document it serves, as it merges OpenAPI documents.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
from collections.abc import Iterable, Sequence
from functools import cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import ModuleType
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from streetlevel.common.asyncapi import (
    CONTENT_TYPE,
    ENVELOPE,
    KAFKA_BINDING,
    VISIBILITY,
    merge_asyncapi,
)
from streetlevel.common.errors import NotFound
from streetlevel.common.events import (
    DomainEvent,
    TopicInfo,
    Visibility,
)

DEFAULT_KEY = "the aggregate id: the last segment of the event's `subject`"


def schema_etag(body: bytes) -> str:
    """A strong validator over a schema's exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _ordering(key: str) -> str:
    return (
        f"Kafka key: {key}. Events with one key are on one partition, in the order their "
        "service committed them; `sequence` is the per-aggregate version (compare it as an "
        "integer): a newer snapshot supersedes, an older one arriving late is ignored. "
        "Delivery is at least once: deduplicate on `id`. No order holds between keys."
    )


def _subclasses(cls: type[DomainEvent]) -> list[type[DomainEvent]]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


class EventContract:
    """One service's event types, their checked-in schemas and its AsyncAPI fragment."""

    def __init__(
        self,
        service: str,
        events: Iterable[type[DomainEvent]],
        schemas: Traversable,
        topics: Sequence[TopicInfo] = (),
        package: str | None = None,
    ) -> None:
        self.service = service
        self._events = {cls.event_type: cls for cls in events}
        self.schemas = schemas
        self.topics = {t.name: t for t in topics}
        self.package = package

    @property
    def events(self) -> dict[str, type[DomainEvent]]:
        """The given classes, plus any event class defined anywhere in ``package``.

        An event type added in another module of the service is published all the same, so
        it is in the contract too (its schema must be checked in: tests/contract says so).
        """
        found = dict(self._events)
        if self.package is not None:
            prefix = self.package + "."
            for cls in _subclasses(DomainEvent):
                event_type = cls.__dict__.get("event_type")
                if cls.__module__.startswith(prefix) and isinstance(event_type, str):
                    found.setdefault(event_type, cls)
        return found

    @classmethod
    def of_module(cls, service: str, module: ModuleType, *more: ModuleType) -> EventContract:
        """Every event class ``module`` (and ``more``) defines, and ``module``'s ``TOPICS``;
        schemas are package data of ``streetlevel.<service>`` under ``schemas/events/``."""
        events = [
            value
            for each in (module, *more)
            for value in vars(each).values()
            if inspect.isclass(value)
            and issubclass(value, DomainEvent)
            and value.__module__ == each.__name__
            and isinstance(value.__dict__.get("event_type"), str)
        ]
        topics = getattr(module, "TOPICS", ())
        package = f"streetlevel.{service}"
        return cls(service, events, files(package) / "schemas" / "events", topics, package)

    def schema_bytes(self, event_type: str) -> bytes | None:
        """The checked-in schema file of one of this service's types, byte for byte."""
        if event_type not in self.events:
            return None
        path = self.schemas / f"{event_type}.json"
        return path.read_bytes() if path.is_file() else None

    def schema(self, event_type: str) -> dict[str, Any]:
        body = self.schema_bytes(event_type)
        if body is None:
            raise LookupError(f"no checked-in schema for {event_type}")
        document: dict[str, Any] = orjson.loads(body)
        return document

    @cached_property
    def _fragment(self) -> dict[str, Any]:
        return self._build_fragment()

    def fragment(self) -> dict[str, Any]:
        """This service's channels, operations, messages and schemas (every visibility)."""
        return copy.deepcopy(self._fragment)

    def document(self, base_url: str) -> dict[str, Any]:
        """This service's own AsyncAPI document: every topic it publishes, internal ones too."""
        return merge_asyncapi([self._fragment], base_url=base_url, internal=True)

    def _build_fragment(self) -> dict[str, Any]:
        channels: dict[str, Any] = {}
        operations: dict[str, Any] = {}
        messages: dict[str, Any] = {}
        schemas: dict[str, Any] = {}
        raw_defs: dict[str, Any] = {}
        by_topic: dict[str, list[type[DomainEvent]]] = {}
        for cls in sorted(self.events.values(), key=lambda c: c.event_type):
            by_topic.setdefault(cls.topic, []).append(cls)
        for topic, classes in sorted(by_topic.items()):
            info = self.topics.get(topic)
            visibility: Visibility = classes[0].visibility
            key = info.key if info else DEFAULT_KEY
            about = f"{info.description} " if info else ""
            channel_messages = {}
            for cls in classes:
                name = cls.event_type
                schemas[name] = _embed(self.schema(name), name, self.service, raw_defs, schemas)
                messages[name] = _message(cls, key)
                channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
            channels[topic] = {
                "address": topic,
                "title": topic,
                "description": f"{about}{_ordering(key)}",
                "servers": [{"$ref": "#/servers/kafka"}],
                "messages": channel_messages,
                "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
                VISIBILITY: visibility,
            }
            operations[f"{topic}.publish"] = {
                "action": "send",
                "title": f"{self.service} publishes {topic}",
                "summary": f"The {self.service} service publishes through its outbox.",
                "channel": {"$ref": f"#/channels/{topic}"},
                "messages": [
                    {"$ref": f"#/channels/{topic}/messages/{c.event_type}"} for c in classes
                ],
                VISIBILITY: visibility,
            }
        return {
            "channels": channels,
            "operations": operations,
            "components": {"messages": messages, "schemas": schemas},
        }


def _message(cls: type[DomainEvent], key: str) -> dict[str, Any]:
    name = cls.event_type
    return {
        "name": cls.full_type(),
        "title": name,
        "summary": (cls.__doc__ or name).strip().splitlines()[0],
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "description": "Kafka headers, so consumers route without parsing the value.",
            "properties": {
                "ce_type": {"type": "string", "const": cls.full_type()},
                "ce_id": {"type": "string"},
            },
        },
        "payload": {
            "allOf": [
                {"$ref": f"#/components/schemas/{ENVELOPE}"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": cls.full_type()},
                        "data": {"$ref": f"#/components/schemas/{name}"},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": key},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        VISIBILITY: cls.visibility,
    }


def _embed(
    schema: dict[str, Any],
    event_type: str,
    service: str,
    raw_defs: dict[str, Any],
    out: dict[str, Any],
) -> dict[str, Any]:
    """A data schema as a component: its ``$defs`` become components too, refs rewritten.

    A model shared by several types of a service (same name, same schema) is one component.
    """
    schema = copy.deepcopy(schema)
    schema.pop("$schema", None)
    schema.pop("$id", None)
    defs: dict[str, Any] = schema.pop("$defs", {})
    names: dict[str, str] = {}
    for def_name, body in defs.items():
        shared = f"{service}.{def_name}"
        same = raw_defs.setdefault(shared, body) == body
        names[def_name] = shared if same else f"{event_type}.{def_name}"
    for def_name, body in defs.items():
        out[names[def_name]] = _rewrite(body, names)
    embedded: dict[str, Any] = _rewrite(schema, names)
    return embedded


def _rewrite(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                value = "#/components/schemas/" + names[value.removeprefix("#/$defs/")]
            out[key] = _rewrite(value, names)
        return out
    if isinstance(node, list):
        return [_rewrite(item, names) for item in node]
    return node


def contract_router(contract: EventContract, base_url: str) -> APIRouter:
    """A service's ``GET /asyncapi.json`` and ``GET /schemas/events/<type>.json``.

    The gateway reaches these (in-process or over HTTP) to publish the merged contract.
    """
    router = APIRouter(include_in_schema=False)

    @router.get("/asyncapi.json")
    async def asyncapi() -> Response:
        return Response(orjson.dumps(contract.document(base_url)), media_type="application/json")

    @router.get("/schemas/events/{name}")
    async def event_schema(name: str, request: Request) -> Response:
        body = contract.schema_bytes(name.removesuffix(".json")) if name.endswith(".json") else None
        if body is None:
            raise NotFound(f"No event type {name.removesuffix('.json')!r} here.")
        return schema_response(body, request.headers.get("if-none-match"))

    return router


SCHEMA_CACHE = "public, max-age=3600"


def schema_response(body: bytes, if_none_match: str | None) -> Response:
    """The schema's exact bytes, cacheable: a strong ETag, ``If-None-Match`` → 304."""
    etag = schema_etag(body)
    headers = {"ETag": etag, "Cache-Control": SCHEMA_CACHE}
    # If-None-Match compares weakly (RFC 9110 13.1.2): a W/ prefix still matches.
    tags = {t.strip().removeprefix("W/") for t in (if_none_match or "").split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/schema+json", headers=headers)
