"""API.md's error contract laid over the merged OpenAPI document before fuzzing it.

API.md promises an RFC 9457 problem+json body for every error, but the published document only
declares FastAPI's default 422 (``application/json``, ``HTTPValidationError``). Until the
document states the error responses itself, the fuzz run checks responses against what
API.md promises; error responses an operation declares itself (e.g. RFC 6749's JSON errors of
``/oauth/token``) are kept as they are.
"""

from __future__ import annotations

import copy
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PROBLEM_JSON = "application/problem+json"
#: Statuses any operation may answer with (auth, lookups, conflicts, limits, outages).
ERROR_STATUSES = (
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "410",
    "412",
    "413",
    "415",
    "422",
    "428",
    "429",
    "503",
)
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "request_id"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array"},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}


def _fastapi_default(response: dict[str, Any]) -> bool:
    """FastAPI's own 422, which the services never send (they send problem+json)."""
    schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` where every operation declares API.md's problem responses."""
    doc = copy.deepcopy(document)
    doc.setdefault("components", {}).setdefault("schemas", {})["ContractProblem"] = PROBLEM_SCHEMA
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ContractProblem"}}}
    for item in doc["paths"].values():
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                if status not in responses or _fastapi_default(responses[status]):
                    responses[status] = {"description": "A problem", "content": content}
    return doc
