"""Request bodies (unknown fields refused) of the commissioning API."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.commissioning.domain.values import CommissionSpec, Money


class Body(BaseModel):
    # One schema for requests and responses: decimals documented as the strings they are sent as.
    model_config = ConfigDict(extra="forbid", json_schema_mode_override="serialization")


class CommissionCreate(CommissionSpec):
    """A new draft; ``buyer_name`` defaults to the council's org-id."""

    buyer_name: str | None = Field(default=None, max_length=300)


class ReasonBody(Body):
    reason: str = Field(min_length=1, max_length=2000)


class QuestionCreate(Body):
    text: str = Field(min_length=1, max_length=5000)


class AnswerBody(Body):
    answer: str = Field(min_length=1, max_length=10_000)


class Commitment(Body):
    indicator_code: str = Field(min_length=1, max_length=100)
    quantity: Decimal = Field(ge=0)


class BidCreate(Body):
    lot_id: str = Field(min_length=1, max_length=36)
    price: Money
    proposal: str = Field(min_length=1, max_length=50_000)
    social_value_commitments: list[Commitment] = Field(default_factory=list, max_length=50)


class BidUpdate(Body):
    price: Money | None = None
    proposal: str | None = Field(default=None, min_length=1, max_length=50_000)
    social_value_commitments: list[Commitment] | None = Field(default=None, max_length=50)


class ScoreBody(Body):
    quality: Decimal = Field(ge=0, le=100)
    social_value: Decimal = Field(ge=0, le=100)
    note: str | None = Field(default=None, max_length=5000)


class AwardBody(Body):
    bid_id: str | None = Field(default=None, max_length=36)
