"""Indicators: what is measured, in which unit, and (optionally) what a unit is worth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streetlevel.common.events import Aggregate
from streetlevel.outcomes.domain.errors import RuleViolation
from streetlevel.outcomes.domain.events import IndicatorCreated, IndicatorUpdated
from streetlevel.outcomes.domain.values import IndicatorData

PLATFORM_OWNER = "platform"


@dataclass(eq=False)
class Indicator(Aggregate):
    """An indicator in the catalogue; ``owner`` is a council org-id or the platform."""

    data: IndicatorData | None = None
    owner: str = PLATFORM_OWNER
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def spec(self) -> IndicatorData:
        assert self.data is not None
        return self.data

    @classmethod
    def create(cls, *, data: IndicatorData, owner: str, now: datetime) -> Indicator:
        indicator = cls(data=data, owner=owner, created_at=now, updated_at=now)
        indicator.record(
            IndicatorCreated(indicator=data, owner=owner), subject=f"indicator/{data.code}"
        )
        return indicator

    def revise(self, *, data: IndicatorData, now: datetime) -> None:
        """Replace the description; the code never changes."""
        if data.code != self.code:
            raise RuleViolation("an indicator's code cannot change", "code")
        if data == self.data:
            return
        self.data = data
        self.updated_at = now
        self.record(
            IndicatorUpdated(indicator=data, owner=self.owner), subject=f"indicator/{data.code}"
        )
