"""Consortium bids: a lead enterprise with members, their shares, confirmations, eligibility."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.domain.eligibility import Applicant, serves, unmet_rules
from streetlevel.commissioning.domain.values import Eligibility
from streetlevel.common.areas import AreaIndex

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Member:
    """A member's part: its shares of the work and of the value, and when it confirmed them."""

    enterprise_id: str
    work_share_pct: Decimal
    value_share_pct: Decimal
    confirmed_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class Consortium:
    """The lead's own shares and its members' (shares are percentages of the bid)."""

    lead_work_share_pct: Decimal
    lead_value_share_pct: Decimal
    members: tuple[Member, ...] = field(default_factory=tuple)

    def member(self, enterprise_id: str) -> Member | None:
        return next((m for m in self.members if m.enterprise_id == enterprise_id), None)

    @property
    def unconfirmed(self) -> list[str]:
        return [m.enterprise_id for m in self.members if not m.confirmed]

    @property
    def member_ids(self) -> list[str]:
        return [m.enterprise_id for m in self.members]

    def confirm(self, enterprise_id: str, now: datetime) -> Consortium:
        """The consortium with ``enterprise_id``'s part confirmed (unchanged when it was)."""
        return replace(
            self,
            members=tuple(
                replace(m, confirmed_at=now)
                if m.enterprise_id == enterprise_id and m.confirmed_at is None
                else m
                for m in self.members
            ),
        )

    def unconfirm(self) -> Consortium:
        """The consortium with every confirmation withdrawn (its terms changed)."""
        return replace(self, members=tuple(replace(m, confirmed_at=None) for m in self.members))

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_share": {
                "work_pct": str(self.lead_work_share_pct),
                "value_pct": str(self.lead_value_share_pct),
            },
            "members": [
                {
                    "enterprise_id": m.enterprise_id,
                    "work_pct": str(m.work_share_pct),
                    "value_pct": str(m.value_share_pct),
                    "confirmed_at": m.confirmed_at.isoformat() if m.confirmed_at else None,
                }
                for m in self.members
            ],
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Consortium:
        lead = data["lead_share"]
        return Consortium(
            lead_work_share_pct=Decimal(lead["work_pct"]),
            lead_value_share_pct=Decimal(lead["value_pct"]),
            members=tuple(
                Member(
                    enterprise_id=m["enterprise_id"],
                    work_share_pct=Decimal(m["work_pct"]),
                    value_share_pct=Decimal(m["value_pct"]),
                    confirmed_at=(
                        datetime.fromisoformat(m["confirmed_at"]) if m.get("confirmed_at") else None
                    ),
                )
                for m in data["members"]
            ),
        )


def _err(loc: list[Any], msg: str) -> dict[str, Any]:
    return {"loc": ["body", "consortium", *loc], "msg": msg, "type": "value_error"}


def share_errors(consortium: Consortium, lead_id: str) -> list[dict[str, Any]]:
    """Every broken rule of the shares and membership (empty when they are sound)."""
    errors: list[dict[str, Any]] = []
    ids = consortium.member_ids
    if not ids:
        errors.append(_err(["members"], "a consortium has at least one member besides the lead"))
    if len(set(ids)) != len(ids):
        errors.append(_err(["members"], "each member may appear once"))
    if lead_id in ids:
        errors.append(_err(["members"], "the lead is not one of its own members"))
    shares = [
        ("work", consortium.lead_work_share_pct, [m.work_share_pct for m in consortium.members]),
        ("value", consortium.lead_value_share_pct, [m.value_share_pct for m in consortium.members]),
    ]
    for name, lead, members in shares:
        if lead <= 0 or any(s <= 0 for s in members):
            errors.append(_err([], f"every {name} share, the lead's included, is above 0 %"))
        if lead + sum(members, Decimal(0)) != HUNDRED:
            errors.append(_err([], f"{name} shares must sum to 100 %, the lead's included"))
    return errors


def consortium_unmet(
    lead: Applicant | None,
    members: Mapping[str, Applicant | None],
    consortium: Consortium,
    rules: Eligibility,
    *,
    lot_areas: Sequence[str],
    areas: AreaIndex,
) -> list[dict[str, str]]:
    """Every unmet rule of a consortium bid, each named as eligibility refusals are."""
    policy = rules.consortium
    unmet: list[dict[str, str]] = []
    if not policy.allowed:
        unmet.append(
            {"rule": "consortium.allowed", "reason": "this commission takes no consortium bids"}
        )
    if len(consortium.members) > policy.max_members:
        unmet.append(
            {
                "rule": "consortium.max_members",
                "reason": f"{len(consortium.members)} members, more than {policy.max_members}",
            }
        )
    # Area coverage is the consortium's: the lead's own check would refuse a ward a member serves.
    alone = rules.model_copy(update={"must_serve_area": False})
    unmet += unmet_rules(lead, alone, lot_areas=lot_areas, areas=areas)
    as_member = alone.model_copy(update={"verified_only": policy.every_member_verified})
    for enterprise_id in consortium.member_ids:
        record = members.get(enterprise_id)
        who = f"member {record.name if record else enterprise_id} ({enterprise_id})"
        for u in unmet_rules(record, as_member, lot_areas=lot_areas, areas=areas):
            rule = (
                "consortium.every_member_verified"
                if u["rule"] == "verified"
                else f"consortium.member.{u['rule']}"
            )
            unmet.append({"rule": rule, "reason": f"{who}: {u['reason']}"})
    served = [s for a in (lead, *members.values()) if a is not None for s in a.areas_served]
    if lead is not None and policy.lead_serves_area:
        missing = [a for a in lot_areas if not serves(areas, lead.areas_served, a)]
        if missing:
            unmet.append(
                {
                    "rule": "consortium.lead_serves_area",
                    "reason": "the lead does not serve " + ", ".join(missing),
                }
            )
    if rules.must_serve_area:
        missing = [a for a in lot_areas if not serves(areas, served, a)]
        if missing:
            unmet.append(
                {
                    "rule": "must_serve_area",
                    "reason": "no one in the consortium serves " + ", ".join(missing),
                }
            )
    return unmet


def unconfirmed_rule(consortium: Consortium) -> dict[str, str] | None:
    """The rule a consortium with unconfirmed members breaks at the deadline (None: none)."""
    pending = consortium.unconfirmed
    if not pending:
        return None
    return {
        "rule": "consortium.confirmed",
        "reason": "members did not confirm their part: " + ", ".join(pending),
    }
