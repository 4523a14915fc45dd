"""Procurement rule errors: each carries the section it enforces and renders as a problem."""

from __future__ import annotations

from typing import Any

from streetlevel.common.errors import Conflict, InvalidTransition, ValidationProblem


class ProcurementRuleBroken(ValidationProblem):
    """A request the Act or the Regulations do not allow (422, with the rule and section)."""

    def __init__(
        self,
        detail: str,
        *,
        rule: str,
        section: str,
        loc: list[Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(
            detail,
            errors or [{"loc": loc or ["body"], "msg": f"{detail} ({section})", "type": rule}],
        )
        self.rule = rule
        self.section = section


class ReservationNotAllowed(ProcurementRuleBroken):
    """A lot reserves to certain suppliers where the Act does not allow it."""


class PeriodTooShort(ProcurementRuleBroken):
    """A tender, participation or enquiry period is shorter than the minimum."""


class EvaluationRuleBroken(Conflict):
    """An evaluation step conflicts with the panel's state (409, with the rule and section)."""

    def __init__(self, detail: str, *, rule: str, section: str) -> None:
        super().__init__(detail, rule=rule, section=section)
        self.rule = rule
        self.section = section


class NoticeOutOfOrder(InvalidTransition):
    """A notice that may not follow the notices already published (409)."""

    def __init__(self, detail: str, *, section: str) -> None:
        super().__init__(detail, section=section)
        self.section = section
