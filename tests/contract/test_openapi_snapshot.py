"""The merged OpenAPI document keeps its checked-in contract and the API.md conventions.

Regenerate the snapshot with ``uv run python -m tests.contract.update_snapshots``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

from .compat import METHODS, openapi_changes
from .snapshots import CHANGES_FILE, OPENAPI_FILE, digest, load

#: Operations anyone may call without a token, by design (API.md).
PUBLIC_BY_DESIGN = frozenset({("post", "/oauth/token"), ("get", "/.well-known/jwks.json")})
#: Collections API.md pages with ``?limit=&cursor=`` (besides any documented page schema).
LISTS = frozenset(
    {
        "/v1/admin/clients",
        "/v1/areas",
        "/v1/commissions",
        "/v1/contracts",
        "/v1/enterprises",
        "/v1/enterprises/{}/history",
        "/v1/events",
        "/v1/indicators",
        "/v1/notice-submissions",
        "/v1/notices",
        "/v1/observations",
        "/v1/ocds/releases",
        "/v1/plans",
    }
)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _documents_a_page(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    schemas = document.get("components", {}).get("schemas", {})
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    for media in content.values():
        schema = media.get("schema", {})
        while "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        if "next_cursor" in (schema.get("properties") or {}):
            return True
    return False


def test_the_merged_document_has_no_breaking_change_from_its_snapshot(
    merged_document: dict[str, Any],
) -> None:
    report = openapi_changes(load(OPENAPI_FILE), merged_document)
    assert not report.breaking, f"breaking API changes: {report.breaking}"
    if report.additive:
        warnings.warn(
            f"the API changed compatibly ({len(report.additive)} additions, e.g. "
            f"{report.additive[:3]}): refresh tests/contract/openapi.json",
            stacklevel=1,
        )


def test_the_merged_document_covers_every_service(merged_document: dict[str, Any]) -> None:
    prefixes = {"/".join(path.split("/")[:3]) for path in merged_document["paths"]}
    assert {
        "/v1/enterprises",
        "/v1/areas",
        "/v1/commissions",
        "/v1/contracts",
        "/v1/ocds",
        "/v1/indicators",
        "/v1/plans",
        "/v1/observations",
        "/v1/reports",
        "/v1/events",
        "/v1/admin",
    } <= prefixes
    assert merged_document["openapi"].startswith("3.1")


def test_every_operation_declares_its_security_or_is_public_by_design(
    merged_document: dict[str, Any],
) -> None:
    schemes = set(merged_document["components"]["securitySchemes"])
    undeclared, anonymous_only = [], []
    for method, path, operation in operations(merged_document):
        security = operation.get("security")
        if not security:
            undeclared.append(f"{method.upper()} {path}")
            continue
        for requirement in security:
            assert set(requirement) <= schemes, (method, path, requirement)
        if all(not requirement for requirement in security):
            anonymous_only.append((method, path))
    assert undeclared == []
    assert set(anonymous_only) == PUBLIC_BY_DESIGN


def test_every_scoped_operation_names_a_scope_the_gateway_issues(
    merged_document: dict[str, Any],
) -> None:
    flows = merged_document["components"]["securitySchemes"]["oauth2"]["flows"]
    issued = set(flows["clientCredentials"]["scopes"])
    named = {
        scope
        for _, _, operation in operations(merged_document)
        for requirement in operation["security"]
        for scope in requirement.get("oauth2", [])
    }
    assert named, "no operation names a scope"
    assert named <= issued


def test_every_list_endpoint_pages_with_limit_and_cursor(
    merged_document: dict[str, Any],
) -> None:
    lists = [
        (path, operation)
        for method, path, operation in operations(merged_document)
        if method == "get"
        and (_shape(path) in LISTS or _documents_a_page(merged_document, operation))
    ]
    assert {_shape(path) for path, _ in lists} >= LISTS
    for path, operation in lists:
        names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        assert {"limit", "cursor"} <= names, path
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")["schema"]
        kinds = {limit.get("type")} | {b.get("type") for b in limit.get("anyOf", [])}
        assert "integer" in kinds, (path, limit)


def test_every_error_response_is_documented_as_a_problem(merged_document: dict[str, Any]) -> None:
    wrong = []
    for method, path, operation in operations(merged_document):
        if path == "/oauth/token":
            continue  # RFC 6749 errors, documented on the operation itself
        for status, response in operation.get("responses", {}).items():
            if status.startswith(("4", "5")):
                if "$ref" in response:  # a shared response: #/components/responses/<name>
                    name = response["$ref"].removeprefix("#/components/responses/")
                    response = merged_document["components"]["responses"][name]
                content = response.get("content", {})
                if "application/problem+json" not in content:
                    wrong.append(f"{method.upper()} {path} {status}")
        assert "401" in operation["responses"], f"{method.upper()} {path}"
    assert wrong == []


def test_every_write_needs_a_token(merged_document: dict[str, Any]) -> None:
    anonymous_writes = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(merged_document)
        if method not in ("get", "head")
        and path != "/oauth/token"
        and {} in operation.get("security", [])
    ]
    assert anonymous_writes == []


def test_the_snapshot_is_the_one_the_last_change_note_records() -> None:
    """Every snapshot change has a note in CHANGES.md (written by update_snapshots)."""
    recorded = re.findall(r"snapshot: `sha256:([0-9a-f]{64})`", CHANGES_FILE.read_text("utf-8"))
    assert recorded, "tests/contract/CHANGES.md records no snapshot"
    current = digest(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert recorded[-1] == current, (
        "the OpenAPI snapshot changed without a note: regenerate it with "
        "`uv run python -m tests.contract.update_snapshots --note 'why'`"
    )
