"""The event contract mechanism: dataschema under the base URL, fragments and their merge."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import orjson
import pytest

from streetlevel.common.asyncapi import VISIBILITY, merge_asyncapi
from streetlevel.common.contract import EventContract, schema_response
from streetlevel.common.events import DomainEvent, PendingEvent, TopicInfo, envelope_for


class ThingMade(DomainEvent):
    """A thing was made."""

    event_type: ClassVar[str] = "things.thing.made.v1"
    topic: ClassVar[str] = "things.thing.v1"
    name: str


class ThingCounted(DomainEvent):
    """Exact counts, between services only."""

    event_type: ClassVar[str] = "things.count.counted.v1"
    topic: ClassVar[str] = "things.count.v1"
    visibility = "internal"
    count: int


@pytest.fixture
def contract(tmp_path: Path) -> EventContract:
    for cls in (ThingMade, ThingCounted):
        (tmp_path / f"{cls.event_type}.json").write_bytes(orjson.dumps(cls.json_schema()))
    return EventContract(
        "things",
        [ThingMade, ThingCounted],
        tmp_path,
        [TopicInfo("things.thing.v1", key="the thing id", description="Things.")],
    )


def test_the_dataschema_lies_under_the_base_url_and_internal_types_under_admin() -> None:
    made = envelope_for(
        PendingEvent(ThingMade(name="a"), subject="thing/1", key="1", sequence=1),
        source="/t",
        base_url="https://api.example.org/",
    )
    counted = envelope_for(
        PendingEvent(ThingCounted(count=3), subject="count/1", key="1", sequence=1),
        source="/t",
        base_url="https://api.example.org",
    )
    assert made.dataschema == "https://api.example.org/schemas/events/things.thing.made.v1.json"
    assert counted.dataschema == (
        "https://api.example.org/v1/admin/schemas/events/things.count.counted.v1.json"
    )


def test_a_schema_has_no_id_a_deployment_would_have_to_rewrite() -> None:
    schema = ThingMade.json_schema()
    assert "$id" not in schema
    assert schema["title"] == "org.streetlevel.things.thing.made.v1"


def test_the_public_document_leaves_internal_topics_out(contract: EventContract) -> None:
    public = merge_asyncapi([contract.fragment()], base_url="https://x.org", internal=False)
    everything = merge_asyncapi([contract.fragment()], base_url="https://x.org", internal=True)
    assert sorted(public["channels"]) == ["changeFeed", "things.thing.v1"]
    assert "things.count.v1" in everything["channels"]
    assert "counted" not in str(public)
    assert list(public["channels"]["changeFeed"]["messages"]) == ["things.thing.made.v1"]
    assert "the thing id" in public["channels"]["things.thing.v1"]["description"]
    message = public["components"]["messages"]["things.thing.made.v1"]
    assert message[VISIBILITY] == "public"
    assert message["bindings"]["kafka"]["key"]["description"] == "the thing id"
    assert public["servers"]["api"] == {
        "host": "x.org",
        "protocol": "https",
        "description": public["servers"]["api"]["description"],
    }


def test_an_unknown_type_has_no_schema(contract: EventContract) -> None:
    assert contract.schema_bytes("things.thing.made.v1") is not None
    assert contract.schema_bytes("things.thing.unmade.v1") is None
    assert contract.schema_bytes("../../etc/passwd") is None


def test_a_schema_response_is_cacheable_and_revalidates() -> None:
    first = schema_response(b"{}", None)
    etag = first.headers["etag"]
    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert schema_response(b"{}", etag).status_code == 304
    assert schema_response(b"{}", f"W/{etag}").status_code == 304
    assert schema_response(b"{ }", etag).status_code == 200
