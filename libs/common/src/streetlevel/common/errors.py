"""Errors that carry their HTTP status and RFC 9457 problem type (pure: no framework imports)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

PROBLEM_BASE = "https://streetlevel.org/problems/"

#: The published list of problem types clients can branch on (API.md).
PROBLEM_TYPES = (
    "validation",
    "unauthorized",
    "forbidden",
    "not-found",
    "conflict",
    "invalid-transition",
    "precondition-failed",
    "ineligible",
    "deadline-passed",
    "rate-limited",
    "idempotency-conflict",
    "upstream-unavailable",
    "payload-too-large",
    "method-not-allowed",
    "gone",
    "internal",
)


#: Members every problem already has (RFC 9457 and the request id), and call parameters.
RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "instance", "request_id", "slug", "headers"}
)


class DomainError(Exception):
    """Base of every error the platform reports to a client."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "validation"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        reserved = RESERVED_MEMBERS.intersection(extensions)
        if reserved:
            raise TypeError(f"problem extension names {sorted(reserved)} are reserved")
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug

    def headers(self) -> dict[str, str]:
        return {}


class ValidationProblem(DomainError):
    status, slug, title = 422, "validation", "Validation failed"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail, errors=errors or [])

    @classmethod
    def from_pydantic(cls, detail: str, errors: Iterable[Mapping[str, Any]]) -> ValidationProblem:
        """From ``ValidationError.errors()`` of a request body: location, message, type only."""
        return cls(
            detail,
            [
                {"loc": ["body", *err["loc"]], "msg": str(err["msg"]), "type": str(err["type"])}
                for err in errors
            ],
        )


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class InvalidTransition(DomainError):
    status, slug, title = 409, "invalid-transition", "Invalid state transition"


class DeadlinePassed(DomainError):
    status, slug, title = 409, "deadline-passed", "Deadline passed"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class Ineligible(DomainError):
    status, slug, title = 422, "ineligible", "Not eligible"

    def __init__(self, detail: str, unmet: list[dict[str, Any]]) -> None:
        super().__init__(detail, unmet=unmet)


class IdempotencyConflict(DomainError):
    status, slug, title = 422, "idempotency-conflict", "Idempotency key reused with another body"


class IdempotencyInFlight(DomainError):
    status, slug, title = 409, "conflict", "A request with this idempotency key is in flight"


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class Gone(DomainError):
    status, slug, title = 410, "gone", "Gone"


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UpstreamUnavailable(DomainError):
    status, slug, title = 503, "upstream-unavailable", "Service temporarily unavailable"

    def __init__(self, detail: str, retry_after: int = 2, status: int = 503) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self._status = status

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
