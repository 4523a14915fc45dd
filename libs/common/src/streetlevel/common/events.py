"""Domain events and their CloudEvents 1.0 envelope (EVENTS.md).

Domain packages import only ``DomainEvent`` and ``Aggregate`` from here: both are plain
pydantic/dataclass code with no I/O, so a pure domain can record events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from streetlevel.common.ids import new_id

TYPE_PREFIX = "org.streetlevel."
#: Where the embedded platform serves by default (``make run``); settings decide otherwise.
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
#: Where the gateway serves each event type's data schema, under the public base URL.
SCHEMA_PATH = "/schemas/events/"
#: Where operators (admin scope) read the schemas of internal event types.
INTERNAL_SCHEMA_PATH = "/v1/admin/schemas/events/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
Visibility = Literal["public", "internal"]


def schema_url(base_url: str, event_type: str, visibility: Visibility = "public") -> str:
    """The ``dataschema`` of ``event_type`` (short or full type) under ``base_url``."""
    path = SCHEMA_PATH if visibility == "public" else INTERNAL_SCHEMA_PATH
    return f"{base_url.rstrip('/')}{path}{event_type.removeprefix(TYPE_PREFIX)}.json"


@dataclass(frozen=True)
class TopicInfo:
    """What consumers of a topic need beyond its messages: the Kafka key and what it holds."""

    name: str
    key: str
    description: str = ""


class DomainEvent(BaseModel):
    """A fact in the past tense; subclasses set ``event_type`` and ``topic``.

    ``event_type`` is the type after ``org.streetlevel.`` (e.g.
    ``registry.enterprise.registered.v1``); ``topic`` the Kafka topic that carries it;
    ``visibility`` whether that topic is public (the change feed) or internal (operators only).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    visibility: ClassVar[Visibility] = "public"

    @classmethod
    def full_type(cls) -> str:
        return TYPE_PREFIX + cls.event_type

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of this event's ``data``, as checked in with its service.

        No ``$id``: the schema is identified by where it is served (``dataschema``), which
        depends on the platform's configured public base URL, while the file must not.
        """
        schema = cls.model_json_schema(mode="serialization")
        schema["$schema"] = JSON_SCHEMA_DIALECT
        schema["title"] = cls.full_type()
        return schema


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event recorded by an aggregate, waiting for its unit of work to commit."""

    payload: DomainEvent
    subject: str
    key: str
    sequence: int
    #: Set only on a private event: the one principal it concerns (``org:<id>`` or
    #: ``enterprise:<id>``), carried as the envelope's ``audience`` extension attribute.
    audience: str | None = None


@dataclass(eq=False)
class Aggregate:
    """Base for aggregates that record events; ``version`` is the per-aggregate sequence."""

    version: int = 0
    pending_events: list[PendingEvent] = field(default_factory=list, repr=False)

    def record(self, payload: DomainEvent, *, subject: str, key: str | None = None) -> None:
        """Record ``payload`` as the next version of this aggregate."""
        self.version += 1
        self.pending_events.append(
            PendingEvent(
                payload=payload,
                subject=subject,
                key=key or subject.split("/")[-1],
                sequence=self.version,
            )
        )

    def take_events(self) -> list[PendingEvent]:
        events, self.pending_events = self.pending_events, []
        return events


class Envelope(BaseModel):
    """A CloudEvents 1.0 structured-mode envelope, exactly as published."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    sequence: str
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("sequence")
    @classmethod
    def _sequence_is_integer(cls, value: str) -> str:
        if not value.isdigit():
            raise ValueError("sequence must be a non-negative integer string")
        return value

    @property
    def seq(self) -> int:
        """The per-aggregate sequence, compared as an integer (never as a string)."""
        return int(self.sequence)

    @property
    def short_type(self) -> str:
        """The type without the ``org.streetlevel.`` prefix."""
        return self.type.removeprefix(TYPE_PREFIX)

    @property
    def aggregate_id(self) -> str:
        return self.subject.rsplit("/", 1)[-1]

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        # Parsed and validated in one pass by pydantic-core: a third less than orjson + validate.
        return cls.model_validate_json(raw)


def envelope_for(
    pending: PendingEvent,
    *,
    source: str,
    time: datetime | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    traceparent: str | None = None,
    event_id: uuid.UUID | None = None,
    base_url: str = DEFAULT_PUBLIC_BASE_URL,
) -> Envelope:
    """Wrap a recorded event in its envelope; ``dataschema`` lies under ``base_url``."""
    payload = pending.payload
    extensions = {"audience": pending.audience} if pending.audience else {}
    return Envelope(
        id=str(event_id or new_id()),
        source=source,
        type=payload.full_type(),
        subject=pending.subject,
        time=(time or datetime.now(UTC)).astimezone(UTC),
        dataschema=schema_url(base_url, payload.event_type, payload.visibility),
        sequence=str(pending.sequence),
        correlationid=correlation_id,
        causationid=causation_id,
        traceparent=traceparent,
        data=payload.model_dump(mode="json"),
        **extensions,
    )
