"""Errors of the notifications domain, each with its HTTP status."""

from __future__ import annotations

from streetlevel.common.errors import Conflict, NotFound, ValidationProblem


class UnsafeTarget(ValidationProblem):
    """The endpoint URL is not an HTTPS URL on a public address."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, [{"loc": ["body", "url"], "msg": detail, "type": "unsafe_target"}])


class QuotaExceeded(Conflict):
    """The principal already has as many subscriptions as it may."""


class UnknownSubscription(NotFound):
    """No subscription of this principal has that id."""
