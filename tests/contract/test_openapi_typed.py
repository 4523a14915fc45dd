"""The merged document is typed end to end and says only what is true (API.md, issue 16)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .test_openapi_snapshot import operations

#: Media types of streamed bodies, each with the schema of what it carries.
STREAMS = {"application/x-ndjson", "text/csv", "text/event-stream"}
#: Statuses the gateway's own edge adds to an operation (rate limits; the proxy's upstream).
GATEWAY_STATUSES = {"429", "502", "503", "504"}


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = document["components"][kind][name]
    return node


def test_every_success_response_declares_a_typed_body(merged_document: dict[str, Any]) -> None:
    untyped = []
    for method, path, operation in operations(merged_document):
        for status, response in operation["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = response.get("content") or {}
            if not content:
                untyped.append(f"{method.upper()} {path} {status}: no content")
            for media, body in content.items():
                schema = body.get("schema") or {}
                if not ("$ref" in schema or "type" in schema or "items" in schema):
                    untyped.append(f"{method.upper()} {path} {status} {media}: {schema}")
                named = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
                if media == "application/json" and not named:
                    untyped.append(f"{method.upper()} {path} {status}: no named model")
    assert untyped == []


def test_streams_declare_their_media_types_with_an_item_schema(
    merged_document: dict[str, Any],
) -> None:
    paths = merged_document["paths"]
    exports = {
        "/v1/enterprises/export": {"application/x-ndjson", "application/json", "text/csv"},
        "/v1/reports/export": {"application/x-ndjson", "text/csv"},
        "/v1/events": {"application/json", "text/event-stream"},
    }
    for path, media in exports.items():
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert set(content) == media, path
        if "application/x-ndjson" in content:
            line = content["application/x-ndjson"]["schema"]
            assert list(line) == ["$ref"], (path, line)
            assert _resolve(merged_document, line).get("title"), path


def test_schema_names_and_titles_are_unique_and_agree(merged_document: dict[str, Any]) -> None:
    schemas = merged_document["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in schemas.items())
    assert [t for t, n in titles.items() if n > 1] == []
    disagree = {n: s["title"] for n, s in schemas.items() if s.get("title", n) != n}
    assert disagree == {}
    # Merged where they mean the same, and never renamed by the merge to avoid a clash.
    assert not [n for n in schemas if n.endswith(("-Input", "-Output"))]
    assert not [n for n in schemas if n.startswith(("Registry", "Commissioning", "Outcomes"))]
    money = {"Money", "Problem", "Period"}
    assert money <= set(schemas)


def test_every_operation_is_tagged_and_every_tag_is_used_and_described(
    merged_document: dict[str, Any],
) -> None:
    tags = {t["name"]: t for t in merged_document["tags"]}
    used: set[str] = set()
    for method, path, operation in operations(merged_document):
        assert operation.get("tags"), f"{method.upper()} {path}"
        assert set(operation["tags"]) <= set(tags), f"{method.upper()} {path}"
        assert operation.get("description"), f"{method.upper()} {path}"
        used.update(operation["tags"])
    assert set(tags) == used
    assert all(tag.get("description") for tag in tags.values())


def test_the_document_names_its_server_contact_and_licences(
    merged_document: dict[str, Any],
) -> None:
    info = merged_document["info"]
    assert merged_document["servers"]
    assert info["contact"]["url"]
    assert info["license"]["identifier"] == "Apache-2.0"
    assert "Open Government Licence v3.0" in info["description"]


def test_each_operation_lists_only_the_errors_it_can_answer(
    merged_document: dict[str, Any],
) -> None:
    shared = merged_document["components"]["responses"]
    wrong = []
    for method, path, operation in operations(merged_document):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        where = f"{method.upper()} {path}"
        needs_token = {} not in operation["security"]
        if "{" not in path and "404" in errors:
            wrong.append(f"{where}: 404 without a path parameter")
        if method in ("get", "delete") and "413" in errors:
            wrong.append(f"{where}: 413 without a body")
        if needs_token and "403" not in errors:
            wrong.append(f"{where}: a token without the scope gets 403")
        if not operation.get("parameters") and "requestBody" not in operation and "422" in errors:
            wrong.append(f"{where}: 422 with nothing to validate")
        if len(errors) > 11:  # at most the 7 the route can give and the gateway's 4
            wrong.append(f"{where}: {sorted(errors)}")
        for status, response in errors.items():
            if path != "/oauth/token":
                assert response == {"$ref": f"#/components/responses/{shared_name(shared, status)}"}
        if path.startswith("/v1/") and not path.startswith(("/v1/admin", "/v1/events")):
            assert set(errors) >= GATEWAY_STATUSES, where
    assert wrong == []
    # Shared schemas and responses keep each operation lean (about 2.4 KB each at 67 and at 93
    # operations); inline copies of errors or schemas would show here as the document grows.
    count = len(list(operations(merged_document)))
    assert len(json.dumps(merged_document)) / count < 2_600


def shared_name(shared: dict[str, Any], status: str) -> str:
    from streetlevel.common.openapi import ERRORS

    name = ERRORS[status][0]
    assert name in shared
    return name
