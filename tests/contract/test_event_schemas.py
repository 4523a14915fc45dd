"""Every event's JSON Schema matches its checked-in contract, its catalogue entry and its topic.

The checked-in schemas are each service's package data (``services/<service>/src/streetlevel/
<service>/schemas/events/``), the very files the gateway serves as every event's ``dataschema``.
Regenerate them with ``uv run python -m tests.contract.update_snapshots``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from streetlevel.common.events import DomainEvent

from .compat import schema_changes
from .snapshots import checked_in_schemas, dump, event_classes, event_schema_path, load

#: EVENTS.md's catalogue: topic → (visibility, the event types it carries).
CATALOGUE: dict[str, tuple[str, frozenset[str]]] = {
    "registry.enterprise.v1": (
        "public",
        frozenset(
            f"registry.enterprise.{name}.v1"
            for name in (
                "registered",
                "updated",
                "verified",
                "rejected",
                "suspended",
                "reinstated",
                "dissolved",
            )
        ),
    ),
    "registry.theme.v1": (
        "public",
        frozenset({"registry.theme.defined.v1", "registry.theme.retired.v1"}),
    ),
    "commissioning.commission.v1": (
        "public",
        frozenset(
            {
                "commissioning.commission.published.v1",
                "commissioning.commission.amended.v1",
                "commissioning.commission.cancelled.v1",
                "commissioning.commission.closed.v1",
                "commissioning.commission.completed.v1",
                "commissioning.question.answered.v1",
                "commissioning.lot.awarded.v1",
                "commissioning.lot.unsuccessful.v1",
                "commissioning.notice.published.v1",
                # Ward micro-grants (docs/grants.md), keyed by programme or grant.
                "commissioning.grant.programme_opened.v1",
                "commissioning.grant.programme_closed.v1",
                "commissioning.grant.decision_published.v1",
                "commissioning.grant.awarded.v1",
                "commissioning.grant.paid.v1",
                "commissioning.grant.reported.v1",
            }
        ),
    ),
    "commissioning.contract.v1": (
        "public",
        frozenset(
            f"commissioning.contract.{name}.v1"
            for name in ("created", "activated", "terminated", "completed", "payments_updated")
        ),
    ),
    "outcomes.indicator.v1": (
        "public",
        frozenset({"outcomes.indicator.created.v1", "outcomes.indicator.updated.v1"}),
    ),
    "outcomes.plan.v1": (
        "public",
        frozenset({"outcomes.plan.created.v1", "outcomes.plan.updated.v1"}),
    ),
    "outcomes.observation.v1": (
        "internal",
        frozenset(
            f"outcomes.observation.{name}.v1"
            for name in (
                "reported",
                "superseded",
                "verified",
                "rejected",
                "verification_withdrawn",
                "escalated",
            )
        ),
    ),
    # Private: each event concerns the one principal in its ``audience`` attribute.
    "outcomes.private.v1": (
        "private",
        frozenset(
            {
                "outcomes.observation.awaiting_verification.v1",
                "outcomes.observation.verification_decided.v1",
            }
        ),
    ),
    "commissioning.private.v1": (
        "private",
        frozenset(
            {
                "commissioning.commission.deadline_passed.v1",
                "commissioning.bid.outcome_decided.v1",
                "commissioning.contract.activation_confirmed.v1",
                "commissioning.contract.payment_recorded.v1",
                "commissioning.question.asked.v1",
                "commissioning.question.answer_received.v1",
                "commissioning.commission.bids_received.v1",
                "commissioning.commission.eligible.v1",
                "commissioning.commission.eligibility_lost.v1",
                "commissioning.commission.evaluation_completed.v1",
                *(
                    f"commissioning.payable.{name}.v1"
                    for name in ("raised", "paid", "disputed", "dispute_resolved", "late")
                ),
            }
        ),
    ),
    "registry.private.v1": (
        "private",
        frozenset({"registry.enterprise.verification_decided.v1"}),
    ),
    "notifications.private.v1": (
        "private",
        frozenset({"notifications.webhook.disabled.v1"}),
    ),
}
#: Private data (API.md, EVENTS.md) that never travels in a public event, by field name.
PRIVATE_FIELDS = frozenset(
    {
        "contact",
        "contacts",
        "email",
        "phone",
        "telephone",
        "annual_turnover",
        "turnover",
        "proposal",
        "social_value_commitments",
    }
)
VERSIONED = re.compile(r"^[a-z]+(\.[a-z_]+)+\.v[1-9][0-9]*$")

CLASSES = event_classes()
CHECKED_IN = sorted(checked_in_schemas())
EVERY_TYPE = sorted(set(CLASSES) | set(CHECKED_IN))


def test_the_services_publish_events_and_their_schemas_are_checked_in() -> None:
    assert len(CLASSES) >= len(set().union(*(types for _, types in CATALOGUE.values())))
    missing = sorted(set(CLASSES) - set(CHECKED_IN))
    assert not missing, (
        f"no checked-in schema for {missing}: run "
        "`uv run python -m tests.contract.update_snapshots` and commit the service's "
        "schemas/events/"
    )


@pytest.mark.parametrize("event_type", CHECKED_IN)
def test_a_checked_in_schema_lives_with_its_service_in_the_stable_form(event_type: str) -> None:
    path = checked_in_schemas()[event_type]
    assert path == event_schema_path(event_type), f"{path} belongs to another service"
    # The gateway serves these bytes as they are: one canonical form, no hard-coded host.
    text = path.read_text(encoding="utf-8")
    assert text == dump(load(path)), f"{path} is not in the stable form: regenerate it"
    assert "$id" not in load(path), "a schema's identity is the URL it is served at"


@pytest.mark.parametrize("event_type", EVERY_TYPE)
def test_an_event_schema_has_no_breaking_change_from_its_checked_in_contract(
    event_type: str,
) -> None:
    assert event_type in CLASSES, (
        f"{event_type} is published (checked in) but no service defines it any more: "
        "removing an event type breaks its consumers; publish it alongside its successor"
    )
    if not event_schema_path(event_type).exists():
        pytest.fail(f"{event_type} has no checked-in schema yet")
    report = schema_changes(load(event_schema_path(event_type)), CLASSES[event_type].json_schema())
    assert not report.breaking, (
        f"breaking change to {event_type}: {report.breaking}; publish a new .v(N+1) type "
        "on a new topic instead (EVENTS.md)"
    )
    if report.additive:
        warnings.warn(
            f"{event_type} changed compatibly ({report.additive}): refresh the snapshot",
            stacklevel=1,
        )


@pytest.mark.parametrize("event_type", sorted(CLASSES))
def test_an_event_type_is_versioned_and_on_its_catalogue_topic(event_type: str) -> None:
    cls = CLASSES[event_type]
    assert VERSIONED.match(event_type), f"{event_type} does not end with .vN"
    assert cls.full_type() == f"org.streetlevel.{event_type}"
    assert cls.topic in CATALOGUE, f"{event_type} is on {cls.topic}, not a catalogue topic"
    _, types = CATALOGUE[cls.topic]
    assert event_type in types, f"{event_type} is not catalogued on {cls.topic}"
    # The topic and its types share the service and the version (a v2 type goes on a v2 topic).
    assert event_type.split(".")[0] == cls.topic.split(".")[0]
    assert event_type.rsplit(".", 1)[-1] == cls.topic.rsplit(".", 1)[-1]


def test_every_catalogued_event_type_is_published_by_a_service() -> None:
    catalogued = set().union(*(types for _, types in CATALOGUE.values()))
    assert sorted(catalogued - set(CLASSES)) == []


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(path, name, property schema resolved, enclosing model title) for every property."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        return node

    def walk(node: Any, path: str, seen: frozenset[str]) -> Iterator[Any]:
        if isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return
            seen = seen | {name}
        node = resolve(node)
        if not isinstance(node, dict):
            return
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}.{name}", name, resolve(sub), str(node.get("title", ""))
            yield from walk(sub, f"{path}.{name}", seen)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                yield from walk(node[key], f"{path}[]", seen)
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(key) or []:
                yield from walk(branch, path, seen)

    yield from walk(schema, "", frozenset())


def _is_money(prop: dict[str, Any]) -> bool:
    return {"amount", "currency"} <= set(prop.get("properties") or {})


def private_fields(schema: dict[str, Any]) -> list[str]:
    """Paths of fields a public event must not carry.

    A ``value`` is allowed as money or as a planned target; an exact observed figure travels
    only on the internal observation topic.
    """
    return [
        path
        for path, name, prop, owner in _properties(schema)
        if name.lower() in PRIVATE_FIELDS
        or (name == "value" and not _is_money(prop) and owner != "Target")
    ]


@pytest.mark.parametrize(
    "event_type",
    sorted(t for t, cls in CLASSES.items() if CATALOGUE.get(cls.topic, ("public",))[0] == "public"),
)
def test_a_public_event_carries_no_private_field(event_type: str) -> None:
    assert private_fields(CLASSES[event_type].json_schema()) == []


def test_the_private_field_scan_sees_a_leak_in_a_nested_model() -> None:
    from pydantic import BaseModel

    class Contact(BaseModel):
        email: str

    class Record(BaseModel):
        name: str
        contact: Contact | None
        annual_turnover: int

    class Observed(BaseModel):
        value: float

    class Leaky(DomainEvent):
        event_type: ClassVar[str] = "contract-test.leaky.v1"
        topic: ClassVar[str] = "contract-test.v1"
        records: list[Record]
        observed: Observed

    assert sorted(private_fields(Leaky.json_schema())) == [
        ".observed.value",
        ".records[].annual_turnover",
        ".records[].contact",
        ".records[].contact.email",
    ]
