"""Payable events (docs/payments.md): to the supplier or grant recipient alone, never public."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer
from pydantic.json_schema import SkipJsonSchema

from streetlevel.commissioning.domain.events import PrivateEvent


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


#: A field left out when unset: no ``default: null`` in a schema typed string.
ABSENT: dict[str, Any] = {"json_schema_extra": _no_default}


class _PayableEvent(PrivateEvent):
    """To the supplier or grant recipient: a change to one of the payables owed to it."""

    payable_id: str
    # Exactly one of the two; the other is left out (never null), so v1 stays compatible.
    contract_id: str | SkipJsonSchema[None] = Field(None, description="A contract's.", **ABSENT)
    grant_id: str | SkipJsonSchema[None] = Field(None, description="A grant's.", **ABSENT)
    basis: Literal["instalment", "fixed_share", "outcome", "credit", "grant"]
    #: Exact pounds as a decimal string; a credit line is negative.
    amount: str
    received_on: str = Field(description="The date the invoice was received (became due).")
    due_on: str = Field(description="The date it is due: at most 30 days after receipt.")
    status: Literal["due", "disputed", "paid", "late"]

    @model_serializer(mode="wrap")
    def _owner_only(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None or k not in _OWNERS}


_OWNERS = ("contract_id", "grant_id")


class PayableRaised(_PayableEvent):
    """A new payable: an instalment fell due, an outcome was verified, or a credit line."""

    event_type = "commissioning.payable.raised.v1"
    description: str
    credits: str | None = Field(default=None, description="The payable a credit line reverses.")


class PayablePaid(_PayableEvent):
    event_type = "commissioning.payable.paid.v1"
    paid_on: str
    reference: str
    days_to_pay: int


class PayableDisputed(_PayableEvent):
    event_type = "commissioning.payable.disputed.v1"
    reason: str


class PayableDisputeResolved(_PayableEvent):
    event_type = "commissioning.payable.dispute_resolved.v1"
    resolution: str


class PayableLate(_PayableEvent):
    """Its due date passed unpaid (the scheduler's tick); it counts against the buyer."""

    event_type = "commissioning.payable.late.v1"
