"""Private notices of a lot's evaluation: each to the buyer council alone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from streetlevel.commissioning.domain.events import PRIVATE_TOPIC
from streetlevel.common.events import DomainEvent


class EvaluationCompleted(DomainEvent):
    """To the buyer council: a lot's evaluation is complete and it may be awarded."""

    event_type = "commissioning.commission.evaluation_completed.v1"
    topic = PRIVATE_TOPIC
    visibility = "internal"
    commission_id: str
    lot_id: str
    method: Literal["panel", "scores"] = Field(
        description="panel: the last moderated score was set (the moderated ranking and every "
        "assessment summary are ready); scores: the last live bid was scored."
    )
    bids: int = Field(description="How many bids were evaluated (no bidder is named).")
    completed_at: str
