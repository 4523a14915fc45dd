"""The error contract in the published OpenAPI: every 4xx/5xx is an RFC 9457 problem."""

from __future__ import annotations

import copy
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PROBLEM_JSON = "application/problem+json"
#: Statuses any operation may answer with (auth, lookups, conflicts, limits, outages).
ERROR_STATUSES = {
    "400": "Bad request",
    "401": "Missing or invalid bearer token",
    "403": "The token lacks the scope or the principal the operation needs",
    "404": "Not found (or not visible to this principal)",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict or invalid state transition",
    "410": "Gone (e.g. a change-feed cursor older than the retention)",
    "412": "If-Match does not match the current ETag",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Validation failed (or an ineligible bid, or an idempotency-key conflict)",
    "428": "Precondition required",
    "429": "Rate limit exceeded; see Retry-After",
    "503": "A dependency is temporarily unavailable; see Retry-After",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` is one of the published problem types.",
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
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "unmet": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}


def _fastapi_default(response: dict[str, Any]) -> bool:
    """FastAPI's generated 422, which the platform never sends (it sends problem+json)."""
    schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose operations declare the problem responses they can send.

    Error responses an operation declares itself (e.g. RFC 6749 errors) are kept.
    """
    doc = copy.deepcopy(document)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in doc.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                if status not in responses or _fastapi_default(responses[status]):
                    responses[status] = {"description": description, "content": content}
    return doc
