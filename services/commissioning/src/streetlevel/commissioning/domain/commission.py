"""The Commission aggregate: a council's tender with lots, from draft to complete."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from streetlevel.commissioning.domain import events as ev
from streetlevel.commissioning.domain.errors import IllegalStatus, TenderClosed
from streetlevel.commissioning.domain.procurement.commission_routing import (
    lot_value,
    procurement_view,
    started_on,
)
from streetlevel.commissioning.domain.values import CommissionSpec, Money
from streetlevel.common.events import Aggregate

Status = Literal["draft", "open", "evaluation", "awarded", "complete", "cancelled"]
#: Fields a buyer may still amend while the tender is open (deadlines only later).
AMENDABLE_WHILE_OPEN = frozenset({"description", "need", "timeline"})


def iso(value: datetime) -> str:
    """RFC 3339 UTC with a Z suffix (naive values are UTC, as SQLite returns them)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(eq=False)
class Commission(Aggregate):
    """A commission and the state of its lots; bids live in their own aggregate."""

    id: str = ""
    ocid: str = ""
    buyer_id: str = ""
    buyer_name: str = ""
    buyer_area: str = ""
    spec: CommissionSpec | None = None
    status: Status = "draft"
    lot_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    amendments: list[dict[str, Any]] = field(default_factory=list)
    cancel_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None

    @property
    def s(self) -> CommissionSpec:
        assert self.spec is not None
        return self.spec

    @property
    def subject(self) -> str:
        return f"commission/{self.id}"

    @property
    def is_public(self) -> bool:
        return self.status != "draft"

    @classmethod
    def draft(
        cls,
        *,
        id: str,
        ocid: str,
        buyer_id: str,
        buyer_name: str,
        buyer_area: str,
        spec: CommissionSpec,
        now: datetime,
    ) -> Commission:
        return cls(
            id=id,
            ocid=ocid,
            buyer_id=buyer_id,
            buyer_name=buyer_name,
            buyer_area=buyer_area,
            spec=spec,
            lot_states={lot.id: {"status": "open"} for lot in spec.lots},
            created_at=now,
            updated_at=now,
        )

    def is_buyer(self, org: str | None) -> bool:
        return org is not None and org == self.buyer_id

    def replace_draft(self, spec: CommissionSpec, *, now: datetime) -> None:
        if self.status != "draft":
            raise IllegalStatus(
                f"A commission can be rewritten only as a draft, not {self.status}."
            )
        self.spec = spec
        self.lot_states = {lot.id: {"status": "open"} for lot in spec.lots}
        self.updated_at = now

    def publish(self, *, now: datetime) -> None:
        if self.status != "draft":
            raise IllegalStatus(f"Only a draft can be published, not a {self.status} commission.")
        self.status = "open"
        self.published_at = self.updated_at = now
        self.record(ev.CommissionPublished(commission=self.public_view()), subject=self.subject)

    def amend(
        self, spec: CommissionSpec, *, changed: list[str], now: datetime, reason: str
    ) -> None:
        """Record an amendment of an open tender (deadlines may only move later)."""
        if self.status != "open":
            raise IllegalStatus(f"Only an open commission can be amended, not {self.status}.")
        refused = sorted(set(changed) - AMENDABLE_WHILE_OPEN)
        if refused:
            raise IllegalStatus(f"These fields cannot change while open: {', '.join(refused)}.")
        if now >= self.s.timeline.tender_end:
            raise TenderClosed("The tender deadline has passed.")
        old, new = self.s.timeline, spec.timeline
        if new.enquiry_end < old.enquiry_end or new.tender_end < old.tender_end:
            raise IllegalStatus("Deadlines of an open tender can only move later.")
        self.spec = spec
        self.updated_at = now
        self.amendments.append(
            {"date": iso(now), "changed_fields": sorted(changed), "rationale": reason}
        )
        self.record(
            ev.CommissionAmended(commission=self.public_view(), changed_fields=sorted(changed)),
            subject=self.subject,
        )

    def cancel(self, *, reason: str, now: datetime) -> None:
        if self.status not in ("draft", "open", "evaluation"):
            raise IllegalStatus(f"A {self.status} commission cannot be cancelled.")
        was_public = self.is_public
        self.status = "cancelled"
        self.cancel_reason = reason
        self.updated_at = now
        for state in self.lot_states.values():
            if state["status"] == "open":
                state["status"] = "cancelled"
        if was_public:
            self.record(
                ev.CommissionCancelled(commission_id=self.id, reason=reason), subject=self.subject
            )

    def answer_question(
        self,
        *,
        question_id: str,
        question: str,
        answer: str,
        asked_at: datetime,
        now: datetime,
    ) -> None:
        """Publish a question's answer to every bidder; the asker is never named."""
        if not self.is_public:
            raise IllegalStatus("Only a published commission has questions to answer.")
        self.record(
            ev.QuestionAnswered(
                commission_id=self.id,
                question_id=question_id,
                question=question,
                answer=answer,
                asked_at=iso(asked_at),
                answered_at=iso(now),
            ),
            subject=self.subject,
        )

    def close(
        self, *, now: datetime, valid_bids: dict[str, int], total_bids: dict[str, int]
    ) -> None:
        """The deadline passed: evaluation starts; lots without a valid bid are unsuccessful."""
        if self.status != "open":
            raise IllegalStatus(f"Only an open commission can close, not {self.status}.")
        self.status = "evaluation"
        self.updated_at = now
        self.record(
            ev.CommissionClosed(
                commission_id=self.id,
                lots=[
                    ev.LotBidCount(lot_id=lot.id, bids=total_bids.get(lot.id, 0))
                    for lot in self.s.lots
                ],
            ),
            subject=self.subject,
        )
        for lot in self.s.lots:
            if valid_bids.get(lot.id, 0) == 0:
                self.lot_unsuccessful(lot.id, reason="no valid bid", now=now)

    def lot_unsuccessful(self, lot_id: str, *, reason: str, now: datetime) -> None:
        self._require_open_lot(lot_id)
        self.lot_states[lot_id] = {"status": "unsuccessful", "reason": reason}
        self.updated_at = now
        self.record(
            ev.LotUnsuccessful(commission_id=self.id, lot_id=lot_id, reason=reason),
            subject=self.subject,
        )
        self._maybe_awarded()

    def award_lot(
        self,
        lot_id: str,
        *,
        bid_id: str,
        supplier_id: str,
        supplier_name: str,
        price: Decimal,
        contract_id: str,
        now: datetime,
    ) -> None:
        self._require_open_lot(lot_id)
        self.lot_states[lot_id] = {
            "status": "awarded",
            "bid_id": bid_id,
            "supplier_id": supplier_id,
            "supplier_name": supplier_name,
            "price": f"{price:.2f}",
            "contract_id": contract_id,
            "date": iso(now),
        }
        self.updated_at = now
        self.record(
            ev.LotAwarded(
                commission_id=self.id,
                lot_id=lot_id,
                contract_id=contract_id,
                supplier=ev.Supplier(enterprise_id=supplier_id, name=supplier_name),
                price=Money(amount=price),
            ),
            subject=self.subject,
        )
        self._maybe_awarded()

    def _require_open_lot(self, lot_id: str) -> None:
        if self.status != "evaluation":
            raise IllegalStatus(f"Lots are decided during evaluation, not while {self.status}.")
        state = self.lot_states.get(lot_id)
        if state is None or state["status"] != "open":
            raise IllegalStatus(f"Lot {lot_id} is already decided.")

    def _maybe_awarded(self) -> None:
        if all(s["status"] != "open" for s in self.lot_states.values()):
            self.status = "awarded"

    def complete(self, *, now: datetime) -> None:
        if self.status != "awarded":
            raise IllegalStatus(f"Only an awarded commission can complete, not {self.status}.")
        self.status = "complete"
        self.updated_at = now
        self.record(
            ev.CommissionCompleted(commission_id=self.id, status="complete"), subject=self.subject
        )

    def public_view(self) -> dict[str, Any]:
        """The commission as anyone may see it once published."""
        spec = self.s.model_dump(mode="json")
        lots = []
        for lot in spec.pop("lots"):
            state = self.lot_states.get(lot["id"], {"status": "open"})
            lot["status"] = state["status"]
            value = lot_value(self.s.lot(lot["id"]) or self.s.lots[0])
            lot["vat"] = {"amount": f"{value.vat.amount:.2f}", "currency": "GBP"}
            lot["value_incl_vat"] = {"amount": f"{value.gross.amount:.2f}", "currency": "GBP"}
            if state["status"] == "awarded":
                lot["award"] = {
                    "supplier": {
                        "enterprise_id": state["supplier_id"],
                        "name": state["supplier_name"],
                    },
                    "price": {"amount": state["price"], "currency": "GBP"},
                    "contract_id": state["contract_id"],
                }
            lots.append(lot)
        return {
            "id": self.id,
            "ocid": self.ocid,
            "buyer": {"id": self.buyer_id, "name": self.buyer_name},
            **spec,
            "lots": lots,
            "procurement": procurement_view(
                self.s, buyer_area=self.buyer_area, on=started_on(self.created_at)
            ),
            "status": self.status,
            "amendments": list(self.amendments),
            "cancel_reason": self.cancel_reason,
            "created_at": iso(self.created_at) if self.created_at else None,
            "updated_at": iso(self.updated_at) if self.updated_at else None,
            "published_at": iso(self.published_at) if self.published_at else None,
            "version": self.version,
        }
