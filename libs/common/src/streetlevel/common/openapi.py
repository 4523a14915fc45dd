"""A service's published OpenAPI: security, problem responses and shared schemas, from routes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.responses import StreamingResponse

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PROBLEM_JSON = "application/problem+json"
#: The name of the one security scheme: OAuth2 client credentials, sent as a bearer token.
SCHEME = "oauth2"
#: Every error status the platform answers with, as (components/responses name, description).
ERRORS: dict[str, tuple[str, str]] = {
    "400": ("BadRequest", "Bad request"),
    "401": ("Unauthorized", "Missing or invalid bearer token"),
    "403": ("Forbidden", "The token lacks the scope or the principal the operation needs"),
    "404": ("NotFound", "Not found (or not visible to this principal)"),
    "405": ("MethodNotAllowed", "Method not allowed"),
    "406": ("NotAcceptable", "Not acceptable"),
    "409": ("Conflict", "Conflict or invalid state transition"),
    "410": ("Gone", "Gone (e.g. a change-feed cursor older than the retention)"),
    "412": ("PreconditionFailed", "If-Match does not match the current ETag"),
    "413": ("PayloadTooLarge", "Request body too large"),
    "415": ("UnsupportedMediaType", "Unsupported media type"),
    "422": ("ValidationFailed", "Validation failed (or an ineligible bid, or a reused key)"),
    "428": ("PreconditionRequired", "Precondition required"),
    "429": ("TooManyRequests", "Rate limit exceeded; see Retry-After"),
    "502": ("BadGateway", "The owning service failed or is unreachable"),
    "503": ("ServiceUnavailable", "A dependency is temporarily unavailable; see Retry-After"),
    "504": ("GatewayTimeout", "The owning service timed out"),
}
#: Statuses any operation may answer with, for tools that want the whole list (the fuzzer).
ERROR_STATUSES = {status: description for status, (_, description) in ERRORS.items()}
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
        "required_scope": {
            "type": "string",
            "description": "on a 403: the scope needed (space-separated when any one will do)",
        },
    },
    "additionalProperties": True,
}
#: One money type across the platform: an exact decimal string (never a float) in pounds.
MONEY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Money",
    "description": "An exact amount: a decimal string with at most two places, and its currency.",
    "required": ["amount", "currency"],
    "properties": {
        "amount": {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "examples": ["12500.00"]},
        "currency": {"type": "string", "const": "GBP"},
    },
}
#: A closed range of ISO dates (reporting and payment periods).
PERIOD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Period",
    "description": "A closed date range.",
    "required": ["start", "end"],
    "properties": {
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
    },
    "additionalProperties": False,
}
#: Schemas every service means the same by: one definition in every document.
SHARED_SCHEMAS = {"Problem": PROBLEM_SCHEMA, "Money": MONEY_SCHEMA, "Period": PERIOD_SCHEMA}
#: A streamed CSV body, documented as text (its columns are the NDJSON item's fields).
CSV_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "CSV with a header row; the columns are the NDJSON item's fields.",
}
_SECURITY = "streetlevel_security_scope"


class NDJSONResponse(StreamingResponse):
    """A streamed NDJSON body: as ``response_class``, the route's model documents one line."""

    media_type = "application/x-ndjson"


_SPLIT = re.compile(r"^(?P<name>.+)-(Input|Output)$")


def declare_security(dependency: Callable[..., Any], *scopes: str) -> None:
    """Mark a route dependency as enforcing a token and, given scopes, any one of them."""
    setattr(dependency, _SECURITY, scopes)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route for the error statuses it can answer besides the usual."""
    return {status: {"description": ERRORS[str(status)][1]} for status in statuses}


def merge_patch_body(of: str) -> dict[str, Any]:
    """The ``openapi_extra`` of a route that reads a JSON merge patch (RFC 7396) itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": f"A JSON merge patch (RFC 7396) of {of}'s fields.",
                    }
                }
            },
        }
    }


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def route_security(route: APIRoute) -> tuple[bool, list[str]]:
    """Whether ``route`` refuses anonymous callers, and the scopes of which it needs one."""
    needs_token, scopes = False, []
    for dependant in _walk(route.dependant):
        declared = getattr(dependant.call, _SECURITY, None)
        if declared is not None:
            needs_token = True
            scopes += [s for s in declared if s not in scopes]
    return needs_token, scopes


def declared_security(routes: Iterable[Any]) -> dict[tuple[str, str], list[str] | None]:
    """(METHOD, path) → the scopes (any one) a route needs; [] a token only; None anonymous.

    For an edge that checks scopes before reading a body: the same declarations as the
    document's ``security``, so the two cannot drift apart.
    """
    out: dict[tuple[str, str], list[str] | None] = {}
    for path, route in api_routes(routes):
        needs_token, scopes = route_security(route)
        for method in route.methods or ():
            out[(method, path)] = scopes if needs_token else None
    return out


def security_requirement(needs_token: bool, scopes: list[str]) -> list[dict[str, list[str]]]:
    """OpenAPI ``security``: requirements are alternatives, so each scope is one of them."""
    if not needs_token:
        # `{}` first: anonymous callers are served; a token may widen what they see.
        return [{}, {SCHEME: []}]
    return [{SCHEME: [scope]} for scope in scopes] or [{SCHEME: []}]


def _validates_input(dependant: Dependant) -> bool:
    for d in _walk(dependant):
        if d.query_params or d.header_params or d.body_params or d.cookie_params:
            return True
    return False


def _error_statuses(path: str, route: APIRoute, needs_token: bool) -> set[str]:
    statuses = {str(s) for s in route.responses if str(s)[0] in "45"}
    statuses.add("401")  # any request with a bearer token that does not verify
    if needs_token:
        statuses.add("403")
    if "{" in path:
        statuses.add("404")
    if _validates_input(route.dependant) or "requestBody" in (route.openapi_extra or {}):
        statuses.add("422")
    if {"POST", "PUT", "PATCH"} & set(route.methods or ()):
        statuses.add("413")
    return statuses


def _own(response: dict[str, Any]) -> bool:
    """An error response the route documents itself, with its own content (not a problem)."""
    return (
        "$ref" not in response and bool(response.get("content")) and not _fastapi_default(response)
    )


def reference_responses(operation: dict[str, Any], statuses: Iterable[str]) -> None:
    """Point ``operation``'s error responses at the shared problem responses, ``statuses`` only.

    Error responses with content of their own (RFC 6749's on ``/oauth/token``) stay as they are.
    """
    responses = operation.setdefault("responses", {})
    wanted = set(statuses)
    for status in [s for s in responses if s[0] in "45"]:
        if status not in wanted and not _own(responses[status]):
            del responses[status]  # e.g. FastAPI's own 422, which the platform never sends
    for status in sorted(wanted):
        if status in ERRORS and not _own(responses.get(status, {})):
            responses[status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}


def shared_components(doc: dict[str, Any]) -> None:
    """One Problem and one Money; the problem responses; no FastAPI validation schemas."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    renames = {}
    for key in list(schemas):
        match = _SPLIT.match(key)
        base = match.group("name") if match else key
        if base in SHARED_SCHEMAS and key != base:
            renames[key] = base
            del schemas[key]
    schemas.update(copy.deepcopy(SHARED_SCHEMAS))
    if renames:
        doc["paths"] = rename_refs(doc.get("paths", {}), renames)
        components["schemas"] = rename_refs(schemas, renames)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    components["responses"] = {
        name: {"description": description, "content": content}
        for name, description in ERRORS.values()
    }


def prune_responses(doc: dict[str, Any]) -> None:
    """Drop the shared problem responses no operation refers to."""
    used = set(re.findall(r'"#/components/responses/([A-Za-z]+)"', json.dumps(doc.get("paths"))))
    responses = doc.get("components", {}).get("responses", {})
    for name in [n for n in responses if n not in used]:
        del responses[name]


def rename_refs(node: Any, renames: dict[str, str]) -> Any:
    """A copy of ``node`` whose schema references follow ``renames``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                if value.startswith("#/components/schemas/") and name in renames:
                    value = "#/components/schemas/" + renames[name]
            out[key] = rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [rename_refs(item, renames) for item in node]
    return node


def api_routes(routes: Iterable[Any]) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every APIRoute, included routers' too (FastAPI nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path_format, route
        original = getattr(route, "original_route", None)
        if isinstance(original, APIRoute):
            yield str(getattr(route, "path", "") or original.path_format), original
        nested = getattr(route, "effective_candidates", None)
        if callable(nested):
            yield from api_routes(nested())


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if isinstance(operation, dict):
                yield method, path, operation


def describe_routes(
    document: dict[str, Any], routes: Iterable[Any], models: Iterable[type[BaseModel]] = ()
) -> dict[str, Any]:
    """A copy of ``document`` with each route's security and error responses, and shared parts.

    ``models`` are added to the components for routes that refer to them by ``$ref``.
    """
    doc = copy.deepcopy(document)
    mode: Literal["serialization"] = "serialization"
    wanted = [(model, mode) for model in models]
    if wanted:
        _, extra = models_json_schema(wanted, ref_template="#/components/schemas/{model}")
        found = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in extra.get("$defs", {}).items():
            found.setdefault(name, schema)
    scopes: set[str] = set()
    paths = doc.get("paths", {})
    for path, route in api_routes(routes):
        if not route.include_in_schema:
            continue
        needs_token, needed = route_security(route)
        scopes.update(needed)
        for method in route.methods or ():
            operation = paths.get(path, {}).get(method.lower())
            if operation is None:
                continue
            if "security" not in (route.openapi_extra or {}):  # else the route says (`[{}]`)
                operation["security"] = security_requirement(needs_token, needed)
            responses = operation.get("responses", {})
            for response in responses.values():
                for media in (response.get("content") or {}).values():
                    schema = media.get("schema") or {}
                    if "$ref" in schema:  # FastAPI adds `type: string` for a streamed class
                        media["schema"] = {"$ref": schema["$ref"]}
            if any(_own(r) for s, r in responses.items() if s[0] in "45"):
                # A route documenting its own errors (not problems) lists them all itself.
                statuses = {s for s in responses if s[0] in "45"}
            else:
                statuses = _error_statuses(path, route, needs_token)
            reference_responses(operation, statuses)
    shared_components(doc)
    prune_responses(doc)
    doc["components"]["securitySchemes"] = {SCHEME: oauth2_scheme(sorted(scopes))}
    return doc


def oauth2_scheme(
    scopes: Iterable[str], descriptions: dict[str, str] | None = None
) -> dict[str, Any]:
    """OAuth2 client credentials at ``/oauth/token``; the token is sent as a bearer JWT."""
    return {
        "type": "oauth2",
        "description": "Client credentials; send the token as `Authorization: Bearer …` "
        "(an EdDSA JWT valid for 5 minutes).",
        "flows": {
            "clientCredentials": {
                "tokenUrl": "/oauth/token",
                "scopes": {s: (descriptions or {}).get(s, s) for s in scopes},
            }
        },
    }


def _fastapi_default(response: dict[str, Any]) -> bool:
    """FastAPI's generated 422, which the platform never sends (it sends problem+json)."""
    schema = (response.get("content") or {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose operations may answer every problem status (for fuzzing).

    Error responses an operation declares itself (e.g. RFC 6749 errors) are kept.
    """
    doc = copy.deepcopy(document)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for _, _, operation in operations(doc):
        responses = operation.setdefault("responses", {})
        for status, description in ERROR_STATUSES.items():
            if status not in responses or _fastapi_default(responses[status]):
                responses[status] = {"description": description, "content": content}
    return doc
