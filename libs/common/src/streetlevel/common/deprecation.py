"""Deprecating an operation: ``deprecated: true`` in OpenAPI plus the RFC 9745 and RFC 8594 headers.

A route declares it once, in place of ``@router.get(...)``::

    @Deprecation(since=..., sunset=..., link=...).route(router, "/v1/old", methods=["GET"])

and every response its handler returns (a model or a ``Response`` alike) carries
``Deprecation`` (a structured-field date), ``Sunset`` (an HTTP-date) and, when a page explains
the change, ``Link: <…>; rel="deprecation"``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
#: The least notice clients get between an operation's deprecation and its sunset (docs/api.md).
MIN_NOTICE = timedelta(days=180)


@dataclass(frozen=True)
class Deprecation:
    """When an operation was deprecated, when it goes away, and where the change is explained."""

    since: datetime
    sunset: datetime | None = None
    link: str | None = None

    def __post_init__(self) -> None:
        for moment in (self.since, self.sunset):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("deprecation dates must be timezone-aware")
        if self.sunset is not None and self.sunset - self.since < MIN_NOTICE:
            raise ValueError(f"a deprecated operation's sunset must be {MIN_NOTICE.days} days on")

    def headers(self) -> list[tuple[str, str]]:
        """The response headers, in the formats RFC 9745 §2.1 and RFC 8594 §3 define."""
        headers = [("Deprecation", f"@{int(self.since.timestamp())}")]
        if self.sunset is not None:
            headers.append(("Sunset", format_datetime(self.sunset.astimezone(UTC), usegmt=True)))
        if self.link is not None:
            headers.append(("Link", f'<{self.link}>; rel="deprecation"; type="text/html"'))
        return headers

    def openapi_extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"x-deprecated-since": self.since.astimezone(UTC).isoformat()}
        if self.sunset is not None:
            extra["x-sunset"] = self.sunset.astimezone(UTC).isoformat()
        return extra

    def route(
        self, router: APIRouter, path: str, *, methods: Sequence[str] = ("GET",), **kwargs: Any
    ) -> Callable[[Endpoint], Endpoint]:
        """Like ``router.api_route``, for an operation flagged deprecated that sends the headers."""
        extra = {**(kwargs.pop("openapi_extra", None) or {}), **self.openapi_extra()}
        route_class = _with_headers(router.route_class, self.headers())

        def decorator(endpoint: Endpoint) -> Endpoint:
            router.add_api_route(
                path,
                endpoint,
                methods=list(methods),
                deprecated=True,
                openapi_extra=extra,
                route_class_override=route_class,
                **kwargs,
            )
            return endpoint

        return decorator


def _with_headers(base: type[APIRoute], headers: list[tuple[str, str]]) -> type[APIRoute]:
    """A route class whose handler adds ``headers`` to whatever response it returns."""

    class DeprecatedRoute(base):  # type: ignore[valid-type,misc]
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                response: Response = await handler(request)
                for name, value in headers:
                    response.headers.append(name, value)
                return response

            return handle

    return DeprecatedRoute
