"""Request and response bodies of consortium bids (docs/consortium.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from streetlevel.commissioning.domain.consortium import Consortium, Member

Share = Annotated[Decimal, Field(gt=0, le=100, description="a percentage (0–100], decimal")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeadShare(_Body):
    work_pct: Share
    value_pct: Share


class MemberShareBody(_Body):
    enterprise_id: str = Field(min_length=1, max_length=36)
    work_pct: Share
    value_pct: Share


class ConsortiumBody(_Body):
    """The lead's shares and its members' (each a registered enterprise that must confirm);
    work and value shares each sum to 100, the lead's included."""

    lead_share: LeadShare
    members: list[MemberShareBody] = Field(min_length=1, max_length=20)

    def domain(self) -> Consortium:
        return Consortium(
            lead_work_share_pct=self.lead_share.work_pct,
            lead_value_share_pct=self.lead_share.value_pct,
            members=tuple(Member(m.enterprise_id, m.work_pct, m.value_pct) for m in self.members),
        )


class LeadShareRead(BaseModel):
    work_pct: str = Field(description="a percentage as a decimal string")
    value_pct: str = Field(description="a percentage as a decimal string")


class MemberRead(BaseModel):
    enterprise_id: str
    name: str | None
    work_pct: str = Field(description="a percentage as a decimal string")
    value_pct: str = Field(description="a percentage as a decimal string")
    confirmed: bool
    confirmed_at: datetime | None


class ConsortiumRead(BaseModel):
    """A consortium bid's shares and confirmations (the lead, its members, the buyer)."""

    lead_share: LeadShareRead
    members: list[MemberRead]


class ContractMemberRead(BaseModel):
    enterprise_id: str
    name: str
    work_pct: str = Field(description="a percentage as a decimal string")
    value_pct: str = Field(description="a percentage as a decimal string")


class ContractConsortiumRead(BaseModel):
    """The lead is the supplier (and is paid); the members are its subcontractors."""

    lead_share: LeadShareRead
    members: list[ContractMemberRead]
