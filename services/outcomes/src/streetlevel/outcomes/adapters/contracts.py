"""The consumer's view of commissioning's contract events (EVENTS.md); unknown fields ignored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.outcomes.domain.plans import ContractTerms
from streetlevel.outcomes.domain.values import Money, Period

CONTRACT_TOPIC = "commissioning.contract.v1"
ENTERPRISE_TOPIC = "registry.enterprise.v1"
CREATED = "commissioning.contract.created.v1"
STATUS_OF = {
    "commissioning.contract.activated.v1": "active",
    "commissioning.contract.terminated.v1": "terminated",
    "commissioning.contract.completed.v1": "complete",
}


class _Payload(BaseModel):
    # Consumers ignore unknown fields: producers may add optional ones at any time.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Buyer(_Payload):
    id: str = Field(description="org-id of the council, e.g. GB-LAE-BPL")
    name: str


class Supplier(_Payload):
    enterprise_id: str
    name: str


class LotOutcome(_Payload):
    indicator_code: str
    target: Decimal = Field(ge=0)


class Lot(_Payload):
    id: str
    title: str
    areas: list[str] = Field(description="GSS codes")
    outcomes: list[LotOutcome] = Field(default_factory=list)


class MoneyPayload(_Payload):
    amount: Decimal
    currency: str = "GBP"


class RateCardLine(_Payload):
    indicator_code: str
    price_per_unit: MoneyPayload
    max_units: Decimal | None = None


class PeriodPayload(_Payload):
    start: date
    end: date


class ContractCreated(_Payload):
    """``commissioning.contract.created.v1`` data."""

    contract_id: str
    commission_id: str
    ocid: str | None = None
    buyer: Buyer
    supplier: Supplier
    lot: Lot
    rate_card: list[RateCardLine] = Field(default_factory=list)
    period: PeriodPayload
    value: MoneyPayload
    payment_model: Literal["fixed", "outcomes", "blended"]
    #: Contracts announced before the term existed take the default.
    verification_days: int = 10

    def terms(self, status: str = "pending") -> ContractTerms:
        """The contract as the outcomes domain sees it."""
        return ContractTerms(
            id=self.contract_id,
            buyer_id=self.buyer.id,
            supplier_id=self.supplier.enterprise_id,
            areas=self.lot.areas,
            period=Period(start=self.period.start, end=self.period.end),
            value=Money(amount=self.value.amount, currency=self.value.currency),
            status=status,
            outcome_targets={o.indicator_code: o.target for o in self.lot.outcomes},
            rate_card_codes=[line.indicator_code for line in self.rate_card],
        )


class ContractStatusChanged(_Payload):
    """``commissioning.contract.activated|terminated|completed.v1`` data."""

    contract_id: str | None = None
    status: str | None = None
    reason: str | None = None
