"""RFC 9457 problem responses for every error; no stack trace or SQL ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from streetlevel.common.consumer import is_infrastructure_error, is_input_error, sqlstate
from streetlevel.common.context import current_request_id
from streetlevel.common.errors import PROBLEM_BASE, DomainError
from streetlevel.common.http import allowed_methods

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_STATUS_SLUGS = {
    400: ("validation", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("validation", "Not acceptable"),
    409: ("conflict", "Conflict"),
    410: ("gone", "Gone"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("validation", "Unsupported media type"),
    422: ("validation", "Validation failed"),
    429: ("rate-limited", "Too many requests"),
    502: ("upstream-unavailable", "Bad gateway"),
    503: ("upstream-unavailable", "Service temporarily unavailable"),
    504: ("upstream-unavailable", "Gateway timeout"),
}


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A problem+json response carrying the request id."""
    default_slug, default_title = _STATUS_SLUGS.get(status, ("internal", "Internal error"))
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "request_id": current_request_id(),
    }
    body.update(extensions)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    # Never echo the submitted input back: it may hold personal data or huge payloads.
    return [
        {
            "loc": list(err.get("loc", ())),
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "value_error")),
        }
        for err in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem+json with a status that tells the client what to do."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> Response:
        status = getattr(exc, "_status", exc.status)
        return problem(
            status,
            exc.detail,
            slug=exc.slug,
            title=exc.title,
            headers=exc.headers(),
            **exc.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        return problem(
            422, "The request is not valid.", errors=_clean_validation_errors(exc.errors())
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; list every one.
            allow = allowed_methods(request.app.router.routes, request.scope["path"])
            headers["Allow"] = ", ".join(allow) or headers.get("Allow", "")
            method = request.scope.get("streetlevel.method", request.method)
            return problem(405, f"{method} is not allowed here.", headers=headers)
        return problem(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(DataError)
    async def _data(_request: Request, _exc: DataError) -> Response:
        # e.g. a NUL byte in text or an integer out of range: the input's fault.
        return problem(
            422,
            "A value is not acceptable to the database (out of range or "
            "containing a forbidden character).",
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, _exc: IntegrityError) -> Response:
        return problem(409, "The change conflicts with existing data.")

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        state = sqlstate(exc) or ""
        if is_input_error(exc):
            return await _data(request, exc)  # type: ignore[arg-type]
        if state.startswith("23"):
            return await _integrity(request, exc)  # type: ignore[arg-type]
        if state in ("40001", "40P01"):
            return problem(
                503, "The change collided with another; retry it.", headers={"Retry-After": "1"}
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        if is_infrastructure_error(exc):
            log.warning("dependency unavailable: %s", type(exc).__name__)
            return problem(
                503,
                "A dependency is temporarily unavailable; retry shortly.",
                headers={"Retry-After": "2"},
            )
        log.exception("unhandled error")
        return problem(
            500, "An unexpected error occurred.", slug="internal", title="Internal error"
        )
