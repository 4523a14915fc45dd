"""The compatibility checker itself, on hand-written schema and OpenAPI pairs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .compat import openapi_changes, schema_changes

BASE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "verified", "rejected"]},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "tags": {"type": "array", "items": {"type": "string"}},
        "address": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]},
        "services": {"type": "array", "items": {"$ref": "#/$defs/Service"}},
    },
    "required": ["id", "name", "status", "tags", "address", "services"],
    "$defs": {
        "Address": {
            "type": "object",
            "properties": {"town": {"type": "string"}, "postcode": {"type": "string"}},
            "required": ["town", "postcode"],
        },
        "Service": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "kind": {"const": "service"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Service"}},
            },
            "required": ["name"],
        },
    },
}


def changed(edit: Any) -> dict[str, Any]:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def test_an_identical_schema_has_no_changes() -> None:
    report = schema_changes(BASE, copy.deepcopy(BASE))
    assert report.breaking == []
    assert report.additive == []


def test_adding_an_optional_property_is_compatible_and_reported_as_additive() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["properties"]["website"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
        s["$defs"]["Address"]["properties"]["lines"] = {"type": "array"}

    report = schema_changes(BASE, changed(edit))
    assert report.breaking == []
    assert ".website: optional property added" in report.additive
    assert ".address.lines: optional property added" in report.additive


def test_adding_an_enum_value_is_compatible() -> None:
    report = schema_changes(
        BASE, changed(lambda s: s["properties"]["status"]["enum"].append("suspended"))
    )
    assert report.breaking == []
    assert any("suspended" in line for line in report.additive)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s["properties"].pop("name"), ".name: property removed"),
        (lambda s: s["required"].append("note"), ".note: newly required"),
        (
            lambda s: (
                s["properties"].update(region={"type": "string"}),
                s["required"].append("region"),
            ),
            ".region: new required property",
        ),
        (
            lambda s: s["properties"].update(name={"type": "integer"}),
            ".name: type changed from ['string'] to ['integer']",
        ),
        (
            lambda s: s["properties"]["status"].update(enum=["pending", "verified"]),
            ".status: enum narrowed: ['rejected'] removed",
        ),
        (
            lambda s: s["properties"]["id"].update(format="date-time"),
            ".id: format changed from uuid to date-time",
        ),
        (
            lambda s: s["properties"].update(note={"type": "string"}),
            ".note: type changed: ['null'] no longer accepted",
        ),
        (
            lambda s: s["properties"].update(
                name={"anyOf": [{"type": "string"}, {"type": "null"}]}
            ),
            ".name: type changed: ['null'] now possible",
        ),
        (
            lambda s: s["properties"]["tags"].update(items={"type": "integer"}),
            ".tags[]: type changed from ['string'] to ['integer']",
        ),
        (
            lambda s: s["$defs"]["Address"]["properties"].pop("postcode"),
            ".address.postcode: property removed",
        ),
        (
            lambda s: s["$defs"]["Service"]["properties"].update(kind={"const": "group"}),
            ".services[].kind: enum narrowed: ['service'] removed",
        ),
        (
            lambda s: s["$defs"]["Service"]["required"].append("children"),
            ".services[].children: newly required",
        ),
    ],
    ids=[
        "removed-property",
        "newly-required",
        "new-required-property",
        "changed-type",
        "narrowed-enum",
        "changed-format",
        "nullable-made-strict",
        "strict-made-nullable",
        "array-item-type",
        "removed-in-ref",
        "changed-const",
        "required-in-recursive-ref",
    ],
)
def test_a_breaking_change_is_reported_where_it_happened(edit: Any, expected: str) -> None:
    report = schema_changes(BASE, changed(edit))
    assert expected in report.breaking, report.breaking


def test_a_renamed_definition_with_the_same_shape_is_not_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["$defs"]["PostalAddress"] = s["$defs"].pop("Address")
        s["properties"]["address"]["anyOf"][0]["$ref"] = "#/$defs/PostalAddress"

    assert schema_changes(BASE, changed(edit)).breaking == []


def operation(method: str = "get", **overrides: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}},
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}},
        },
        "responses": {
            "200": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}
            },
            "404": {"$ref": "#/components/responses/NotFound"},
        },
        "security": [{}, {"oauth2": []}] if method == "get" else [{"oauth2": ["things:write"]}],
    }
    op.update(overrides)
    return op


def document(**paths: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": paths
        or {"/v1/things/{id}": {"post": operation(method="post"), "get": operation()}},
        "components": {
            "responses": {
                "NotFound": {
                    "description": "not found",
                    "content": {"application/problem+json": {"schema": {"type": "object"}}},
                }
            },
            "schemas": {
                "In": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "note": {"type": "string"}},
                    "required": ["name"],
                },
                "Out": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    "required": ["id", "name"],
                },
            },
        },
    }


def test_additions_to_an_openapi_document_are_compatible() -> None:
    new = document()
    new["paths"]["/v1/things/{thing_id}"] = new["paths"].pop("/v1/things/{id}")
    new["paths"]["/v1/others"] = {"get": operation()}
    new["paths"]["/v1/things/{thing_id}"]["delete"] = operation()
    op = new["paths"]["/v1/things/{thing_id}"]["get"]
    op["parameters"].append({"name": "q", "in": "query", "schema": {"type": "string"}})
    op["responses"]["409"] = {"description": "conflict"}
    new["components"]["schemas"]["Out"]["properties"]["extra"] = {"type": "string"}
    report = openapi_changes(document(), new)
    assert report.breaking == []
    assert "/v1/others: path added" in report.additive
    assert "DELETE /v1/things/{id}: operation added" in report.additive
    assert "GET /v1/things/{id}: optional parameter q added" in report.additive


def edited(edit: Any) -> dict[str, Any]:
    doc = document()
    edit(doc)
    return doc


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["paths"].pop("/v1/things/{id}"), "/v1/things/{id}: path removed"),
        (
            lambda d: d["paths"]["/v1/things/{id}"].pop("get"),
            "GET /v1/things/{id}: operation removed",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["get"]["responses"].pop("404"),
            "GET /v1/things/{id}: response 404 removed",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["get"]["parameters"][1].update(required=True),
            "GET /v1/things/{id}: parameter limit (query) newly required",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["get"]["parameters"].append(
                {"name": "area", "in": "query", "required": True, "schema": {"type": "string"}}
            ),
            "GET /v1/things/{id}: parameter area (query) newly required",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["get"]["parameters"][1].update(
                schema={"type": "string"}
            ),
            "GET /v1/things/{id} param limit: type changed from ['integer'] to ['string']",
        ),
        (
            lambda d: d["components"]["schemas"]["In"]["required"].append("note"),
            "POST /v1/things/{id} body.note: newly required",
        ),
        (
            lambda d: d["components"]["schemas"]["Out"]["properties"].pop("name"),
            "GET /v1/things/{id} -> 200.name: property removed",
        ),
        (
            lambda d: d["components"]["schemas"]["Out"]["properties"].update(
                id={"type": "integer"}
            ),
            "GET /v1/things/{id} -> 200.id: type changed from ['string'] to ['integer']",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["get"]["responses"]["404"].update(
                content={"application/json": {"schema": {"type": "object"}}}
            ),
            "GET /v1/things/{id} -> 404: media type application/problem+json removed",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["get"].update(security=[{"oauth2": []}]),
            "GET /v1/things/{id}: anonymous access removed",
        ),
        (
            lambda d: d["paths"]["/v1/things/{id}"]["post"].update(
                security=[{"oauth2": ["things:write", "things:admin"]}]
            ),
            "POST /v1/things/{id}: security {'oauth2': ['things:write']} no longer enough",
        ),
        (
            lambda d: d["components"]["responses"]["NotFound"].update(
                content={"application/json": {"schema": {"type": "object"}}}
            ),
            "GET /v1/things/{id} -> 404: media type application/problem+json removed",
        ),
    ],
    ids=[
        "removed-path",
        "removed-operation",
        "removed-response",
        "parameter-made-required",
        "new-required-parameter",
        "parameter-type",
        "body-property-made-required",
        "response-property-removed",
        "response-property-type",
        "error-media-type",
        "anonymous-access-removed",
        "scope-added",
        "shared-response-media-type",
    ],
)
def test_a_breaking_openapi_change_is_reported(edit: Any, expected: str) -> None:
    report = openapi_changes(document(), edited(edit))
    assert expected in report.breaking, report.breaking
