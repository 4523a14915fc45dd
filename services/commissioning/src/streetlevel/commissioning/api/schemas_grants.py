"""Request and response bodies of the ward micro-grant routes (docs/grants.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.commissioning.api.schemas_payables import PayableRead
from streetlevel.commissioning.domain.values import Money

Text = Annotated[str, Field(min_length=1, max_length=300)]
AreaCode = Annotated[str, Field(pattern=r"^[EW][0-9]{8}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeCreate(Body):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1, max_length=5000)
    areas: list[AreaCode] = Field(min_length=1, max_length=50, description="ward or LAD GSS codes")
    criteria: list[Text] = Field(min_length=1, max_length=20)
    budget: Money
    max_grant: Money
    closes_on: date | None = None
    council_name: str | None = Field(default=None, max_length=300)
    payment_terms_days: int = Field(
        default=30,
        ge=1,
        le=30,
        description="days from an instalment's date to its due date on the payables ledger",
    )


class ApplicationCreate(Body):
    """The short form: how much, what for, how many people it reaches."""

    programme_id: str = Field(min_length=1, max_length=36)
    amount_requested: Money
    purpose: str = Field(min_length=1, max_length=2000)
    people_reached: int = Field(ge=0, le=1_000_000)
    contact: str | None = Field(
        default=None,
        max_length=300,
        description="who the council may contact: seen by the council only, never published",
    )


class InstalmentCreate(Body):
    due_on: date
    amount: Money


class Votes(Body):
    for_: int = Field(ge=0, alias="for")
    against: int = Field(ge=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ResultCreate(Body):
    application_id: str = Field(min_length=1, max_length=36)
    result: Literal["awarded", "declined"]
    amount: Money | None = Field(default=None, description="required when awarded")
    votes: Votes | None = Field(default=None, description="required for a residents' vote")
    instalments: list[InstalmentCreate] = Field(
        default_factory=list,
        max_length=12,
        description="staged payment (amounts sum to the grant); empty: paid upfront",
    )

    def as_item(self) -> dict[str, Any]:
        return {
            "application_id": self.application_id,
            "result": self.result,
            "amount": self.amount.amount if self.amount else Decimal(0),
            "votes": {"for": self.votes.for_, "against": self.votes.against}
            if self.votes
            else None,
            "instalments": [
                {"due_on": i.due_on, "amount": i.amount.amount} for i in self.instalments
            ],
        }


class DecisionCreate(Body):
    method: Literal["panel", "residents_vote"]
    panel: list[Text] = Field(
        default_factory=list, max_length=20, description="the panel's members, by name"
    )
    turnout: int | None = Field(default=None, ge=0, description="residents who voted")
    results: list[ResultCreate] = Field(min_length=1, max_length=200)


class PaymentBody(Body):
    paid_on: date
    reference: str = Field(min_length=1, max_length=100)


class ReportCreate(Body):
    what_happened: str = Field(min_length=1, max_length=5000)
    people_reached: int = Field(ge=0, le=1_000_000)
    figures: dict[Annotated[str, Field(max_length=100)], Decimal] = Field(
        default_factory=dict,
        max_length=50,
        description="optional figures keyed by outcomes indicator codes",
    )


class Read(BaseModel):
    model_config = ConfigDict()


class Party(Read):
    id: str
    name: str


class Recipient(Read):
    enterprise_id: str
    name: str


class ProgrammeRead(Read):
    id: str
    council: Party
    title: str
    description: str
    areas: list[str]
    criteria: list[str]
    budget: Money
    max_grant: Money
    committed: Money
    closes_on: str | None
    payment_terms_days: int = 30
    status: Literal["open", "closed"]
    opened_at: str
    updated_at: str


class ProgrammePage(Read):
    items: list[ProgrammeRead]
    next_cursor: str | None


class ApplicationRead(Read):
    id: str
    programme_id: str
    applicant: Recipient
    amount_requested: Money
    purpose: str
    people_reached: int
    contact: str | None
    status: Literal["submitted", "awarded", "declined"]
    submitted_at: str
    decided_at: str | None


class ApplicationPage(Read):
    items: list[ApplicationRead]
    next_cursor: str | None


class InstalmentRead(Read):
    no: int
    due_on: str
    amount: Money
    paid_on: str | None
    reference: str | None = Field(
        default=None, description="the council's payment reference (council and recipient only)"
    )


class GrantRead(Read):
    id: str
    programme_id: str
    decision_id: str
    application_id: str
    council: Party
    recipient: Recipient
    title: str
    purpose: str
    areas: list[str]
    amount: Money
    people_planned: int
    awarded_on: str
    payment_terms_days: int = 30
    payment: Literal["upfront", "staged"]
    instalments: list[InstalmentRead]
    payables: list[PayableRead] = Field(
        default_factory=list,
        description="each instalment's payable (basis grant): status, due and paid dates; "
        "references and dispute reasons for the council and the recipient only",
    )
    paid_total: Money
    report: dict[str, Any] | None
    status: Literal["awarded", "paid", "reported"]


class GrantPage(Read):
    items: list[GrantRead]
    next_cursor: str | None


class DecisionRead(Read):
    decision: dict[str, Any]
    grants: list[GrantRead]


class DecisionList(Read):
    items: list[dict[str, Any]]


class Publisher(Read):
    identifier: str
    name: str
    website: str


class ThreeSixtyGivingPackage(Read):
    """A 360Giving Data Standard 1.4 package; each grant follows the 360Giving grant schema."""

    grants: list[dict[str, Any]]
    version: str
    title: str
    identifier: str
    publisher: Publisher
    license: str
    issued: str | None = None
    modified: str | None = None
