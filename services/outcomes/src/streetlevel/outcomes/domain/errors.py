"""Errors of the outcomes domain; each carries its HTTP status through its common base."""

from __future__ import annotations

from streetlevel.common.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationProblem,
)


class UnknownIndicator(NotFound):
    """No indicator with this code."""


class IndicatorExists(Conflict):
    """An indicator with this code already exists."""


class NotTheSupplier(Forbidden):
    """Only the contract's supplier may report observations."""


class NotTheBuyer(Forbidden):
    """Only the contract's buyer may do this."""


class RuleViolation(ValidationProblem):
    """A plan or observation breaks a rule of its contract or catalogue."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__(detail, [{"loc": ["body", field], "msg": detail, "type": "value_error"}])


class IllegalObservationTransition(InvalidTransition):
    """The observation is not in a state that allows this."""
