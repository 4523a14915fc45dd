"""Registry domain errors; each carries its HTTP status through streetlevel.common.errors."""

from __future__ import annotations

from streetlevel.common.errors import Conflict, InvalidTransition, NotFound, ValidationProblem


class EnterpriseNotFound(NotFound):
    """No enterprise with this id is visible to the caller."""


class DuplicateIdentifier(Conflict):
    """Another enterprise already holds this organisation identifier."""


class IllegalTransition(InvalidTransition):
    """The status machine does not allow this change from the current status."""


class UnknownAreas(ValidationProblem):
    """Area codes that are not in the loaded area reference."""

    def __init__(self, codes: list[str], field: str = "areas_served") -> None:
        super().__init__(
            f"Unknown area codes: {', '.join(codes)}.",
            [
                {"loc": ["body", field], "msg": f"unknown area code {code}", "type": "value_error"}
                for code in codes
            ],
        )
        self.codes = codes
