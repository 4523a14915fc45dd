"""Ward micro-grants outside procurement: programmes, applications, decisions and agreements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from streetlevel.commissioning.domain import grant_events as gev
from streetlevel.commissioning.domain.commission import iso
from streetlevel.commissioning.domain.errors import IllegalStatus
from streetlevel.commissioning.domain.payables import Payable
from streetlevel.commissioning.domain.values import Money
from streetlevel.common.errors import Conflict, ValidationProblem
from streetlevel.common.events import Aggregate

Method = Literal["panel", "residents_vote"]
ProgrammeStatus = Literal["open", "closed"]
ApplicationStatus = Literal["submitted", "awarded", "declined"]


class BudgetExceeded(Conflict):
    """The awards would commit more than the programme's budget."""


def money(amount: Decimal) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency": "GBP"}


def _invalid(detail: str, loc: list[Any]) -> ValidationProblem:
    return ValidationProblem(detail, [{"loc": loc, "msg": detail, "type": "value_error"}])


@dataclass(eq=False)
class GrantProgramme(Aggregate):
    """A council's grant round for its wards: a budget that awards may never exceed."""

    id: str = ""
    council_id: str = ""
    council_name: str = ""
    title: str = ""
    description: str = ""
    areas: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    budget: Decimal = Decimal(0)
    max_grant: Decimal = Decimal(0)
    closes_on: date | None = None
    payment_terms_days: int = 30
    status: ProgrammeStatus = "open"
    committed: Decimal = Decimal(0)
    opened_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def subject(self) -> str:
        return f"grant-programme/{self.id}"

    @classmethod
    def open(cls, *, now: datetime, **fields: Any) -> GrantProgramme:
        programme = cls(opened_at=now, updated_at=now, **fields)
        if programme.max_grant > programme.budget:
            raise _invalid("The maximum grant cannot exceed the budget.", ["body", "max_grant"])
        if programme.closes_on is not None and programme.closes_on < now.date():
            raise _invalid("The closing date has passed.", ["body", "closes_on"])
        programme.record(
            gev.GrantProgrammeOpened(programme=programme.public_view()), subject=programme.subject
        )
        return programme

    def accepts_applications(self, today: date) -> bool:
        return self.status == "open" and (self.closes_on is None or today <= self.closes_on)

    def close(self, *, now: datetime) -> None:
        if self.status != "open":
            raise IllegalStatus("The programme is already closed.")
        self.status = "closed"
        self.updated_at = now
        self.record(
            gev.GrantProgrammeClosed(programme_id=self.id, committed=Money(amount=self.committed)),
            subject=self.subject,
        )

    def commit(self, total: Decimal, *, now: datetime) -> None:
        """Commit awards against the budget: never beyond it (409)."""
        if self.committed + total > self.budget:
            left = self.budget - self.committed
            raise BudgetExceeded(
                f"These awards total £{total:.2f} but only £{left:.2f} of the budget is left.",
                budget=f"{self.budget:.2f}",
                committed=f"{self.committed:.2f}",
            )
        self.committed += total
        self.updated_at = now

    def publish_decision(self, decision: Decision) -> None:
        event = gev.GrantDecisionPublished(decision=decision.public_view())
        self.record(event, subject=self.subject)

    def public_view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "council": {"id": self.council_id, "name": self.council_name},
            "title": self.title,
            "description": self.description,
            "areas": list(self.areas),
            "criteria": list(self.criteria),
            "budget": money(self.budget),
            "max_grant": money(self.max_grant),
            "committed": money(self.committed),
            "closes_on": self.closes_on.isoformat() if self.closes_on else None,
            "payment_terms_days": self.payment_terms_days,
            "status": self.status,
            "opened_at": iso(self.opened_at) if self.opened_at else None,
            "updated_at": iso(self.updated_at) if self.updated_at else None,
        }


@dataclass(eq=False)
class GrantApplication:
    """A community group's short form; its contact is for the council alone, never published."""

    id: str
    programme_id: str
    enterprise_id: str
    enterprise_name: str
    amount_requested: Decimal
    purpose: str
    people_reached: int
    contact: str | None
    submitted_at: datetime
    status: ApplicationStatus = "submitted"
    decided_at: datetime | None = None

    @classmethod
    def submit(cls, programme: GrantProgramme, *, now: datetime, **fields: Any) -> GrantApplication:
        if not programme.accepts_applications(now.date()):
            raise IllegalStatus("This programme is not taking applications.")
        application = cls(programme_id=programme.id, submitted_at=now, **fields)
        if not 0 < application.amount_requested <= programme.max_grant:
            detail = f"Ask for more than nothing, at most £{programme.max_grant:.2f}."
            raise _invalid(detail, ["body", "amount_requested", "amount"])
        return application

    def view(self) -> dict[str, Any]:
        """The applicant's and the council's view (the contact included)."""
        return {
            "id": self.id,
            "programme_id": self.programme_id,
            "applicant": {"enterprise_id": self.enterprise_id, "name": self.enterprise_name},
            "amount_requested": money(self.amount_requested),
            "purpose": self.purpose,
            "people_reached": self.people_reached,
            "contact": self.contact,
            "status": self.status,
            "submitted_at": iso(self.submitted_at),
            "decided_at": iso(self.decided_at) if self.decided_at else None,
        }


@dataclass(frozen=True)
class Instalment:
    no: int
    due_on: date
    amount: Decimal
    paid_on: date | None = None
    reference: str | None = None

    def view(self, *, payer: bool) -> dict[str, Any]:
        out = {"no": self.no, "due_on": self.due_on.isoformat(), "amount": money(self.amount)}
        out["paid_on"] = self.paid_on.isoformat() if self.paid_on else None
        return out | ({"reference": self.reference} if payer else {})


@dataclass(frozen=True)
class Outcome:
    """One application's result in a decision (votes only for a residents' vote)."""

    application_id: str
    awarded: bool
    amount: Decimal = Decimal(0)
    votes_for: int | None = None
    votes_against: int | None = None
    schedule: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class Decision:
    id: str
    programme_id: str
    method: Method
    panel: tuple[str, ...]
    turnout: int | None
    outcomes: tuple[Outcome, ...]
    decided_at: datetime
    names: dict[str, str] = field(default_factory=dict)

    def public_view(self) -> dict[str, Any]:
        results = []
        vote = self.method == "residents_vote"
        for o in self.outcomes:
            results.append(
                {
                    "application_id": o.application_id,
                    "applicant_name": self.names.get(o.application_id),
                    "result": "awarded" if o.awarded else "declined",
                    "amount": money(o.amount) if o.awarded else None,
                }
                | ({"votes": {"for": o.votes_for, "against": o.votes_against}} if vote else {})
            )
        return {
            "id": self.id,
            "programme_id": self.programme_id,
            "method": self.method,
            "panel": list(self.panel) if self.method == "panel" else None,
            "turnout": self.turnout,
            "results": results,
            "decided_at": iso(self.decided_at),
        }


def check_decision(decision: Decision, applications: dict[str, GrantApplication]) -> None:
    """The method's record is complete and each award fits its application (422)."""
    if decision.method == "panel" and not decision.panel:
        raise _invalid("A panel decision names its members.", ["body", "panel"])
    if decision.method == "residents_vote" and decision.turnout is None:
        raise _invalid("A residents' vote records its turnout.", ["body", "turnout"])
    seen: set[str] = set()
    for i, o in enumerate(decision.outcomes):
        loc: list[Any] = ["body", "results", i]
        app = applications.get(o.application_id)
        if app is None or app.programme_id != decision.programme_id:
            raise _invalid("No such application in this programme.", [*loc, "application_id"])
        if app.status != "submitted" or o.application_id in seen:
            raise IllegalStatus(f"Application {o.application_id} is already decided.")
        seen.add(o.application_id)
        if decision.method == "residents_vote" and decision.turnout is not None:
            if o.votes_for is None or o.votes_against is None:
                raise _invalid("A residents' vote counts for and against.", [*loc, "votes"])
            if o.votes_for + o.votes_against > decision.turnout:
                raise _invalid("More votes than the turnout.", [*loc, "votes"])
        if o.awarded:
            _check_award(o, app, loc)


def _check_award(o: Outcome, app: GrantApplication, loc: list[Any]) -> None:
    if o.amount <= 0 or o.amount > app.amount_requested:
        raise _invalid("An award is more than nothing and at most the request.", [*loc, "amount"])
    amounts = [amount for _, amount in o.schedule]
    if amounts and (sum(amounts) != o.amount or min(amounts) <= 0):
        raise _invalid("Instalments pay something and sum to the grant.", [*loc, "instalments"])


@dataclass(eq=False)
class Grant(Aggregate):
    """A grant agreement: the amount, its instalments and the recipient's end report."""

    id: str = ""
    programme_id: str = ""
    decision_id: str = ""
    application_id: str = ""
    council_id: str = ""
    council_name: str = ""
    recipient_id: str = ""
    recipient_name: str = ""
    title: str = ""
    purpose: str = ""
    areas: list[str] = field(default_factory=list)
    amount: Decimal = Decimal(0)
    people_planned: int = 0
    awarded_on: date | None = None
    payment_terms_days: int = 30
    instalments: list[Instalment] = field(default_factory=list)
    #: Each instalment's payable (basis ``grant``), loaded with the grant for its views.
    payables: list[Payable] = field(default_factory=list)
    report: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def subject(self) -> str:
        return f"grant/{self.id}"

    @property
    def paid_total(self) -> Decimal:
        return sum((i.amount for i in self.instalments if i.paid_on), Decimal(0))

    @property
    def status(self) -> str:
        if self.report is not None:
            return "reported"
        return "paid" if all(i.paid_on for i in self.instalments) else "awarded"

    @classmethod
    def award(
        cls,
        *,
        id: str,
        programme: GrantProgramme,
        decision: Decision,
        outcome: Outcome,
        application: GrantApplication,
        now: datetime,
    ) -> Grant:
        # Upfront unless staged: one instalment, due the day the decision was made.
        schedule = outcome.schedule or ((now.date(), outcome.amount),)
        grant = cls(
            id=id,
            programme_id=programme.id,
            decision_id=decision.id,
            application_id=application.id,
            council_id=programme.council_id,
            council_name=programme.council_name,
            recipient_id=application.enterprise_id,
            recipient_name=application.enterprise_name,
            title=programme.title,
            purpose=application.purpose,
            areas=list(programme.areas),
            amount=outcome.amount,
            people_planned=application.people_reached,
            awarded_on=now.date(),
            payment_terms_days=programme.payment_terms_days,
            instalments=[
                Instalment(no=n, due_on=due, amount=amount)
                for n, (due, amount) in enumerate(schedule, start=1)
            ],
            created_at=now,
            updated_at=now,
        )
        grant.record(gev.GrantAwarded(grant=grant.public_view()), subject=grant.subject)
        return grant

    def is_recipient(self, enterprise_id: str | None) -> bool:
        return enterprise_id is not None and enterprise_id == self.recipient_id

    def mark_paid(self, no: int, *, paid_on: date, reference: str, now: datetime) -> Instalment:
        found = next((i for i in self.instalments if i.no == no), None)
        if found is None:
            raise _invalid(f"The grant has no instalment {no}.", ["path", "instalment"])
        if found.paid_on is not None:
            raise IllegalStatus(f"Instalment {no} was paid on {found.paid_on.isoformat()}.")
        paid = Instalment(found.no, found.due_on, found.amount, paid_on, reference)
        self.instalments = [paid if i.no == no else i for i in self.instalments]
        self.updated_at = now
        self.record(
            gev.GrantPaid(
                grant_id=self.id,
                programme_id=self.programme_id,
                instalment=no,
                amount=Money(amount=paid.amount),
                paid_on=paid_on.isoformat(),
                paid_total=Money(amount=self.paid_total),
            ),
            subject=self.subject,
        )
        return paid

    def submit_report(
        self,
        *,
        what_happened: str,
        people_reached: int,
        figures: dict[str, Decimal],
        now: datetime,
    ) -> None:
        if self.report is not None:
            raise IllegalStatus("The end report was already submitted.")
        self.report = {
            "what_happened": what_happened,
            "people_reached": people_reached,
            "figures": [
                {"indicator_code": code, "value": str(value)}
                for code, value in sorted(figures.items())
            ],
            "reported_at": iso(now),
        }
        self.updated_at = now
        self.record(
            gev.GrantReported(grant_id=self.id, programme_id=self.programme_id, report=self.report),
            subject=self.subject,
        )

    def public_view(self, *, payer: bool = False) -> dict[str, Any]:
        """Anyone's view; the payment references only for the council and the recipient."""
        instalments = [i.view(payer=payer) for i in self.instalments]
        return {
            "id": self.id,
            "programme_id": self.programme_id,
            "decision_id": self.decision_id,
            "application_id": self.application_id,
            "council": {"id": self.council_id, "name": self.council_name},
            "recipient": {"enterprise_id": self.recipient_id, "name": self.recipient_name},
            "title": self.title,
            "purpose": self.purpose,
            "areas": list(self.areas),
            "amount": money(self.amount),
            "people_planned": self.people_planned,
            "awarded_on": self.awarded_on.isoformat() if self.awarded_on else None,
            "payment_terms_days": self.payment_terms_days,
            "payment": "upfront" if len(self.instalments) == 1 else "staged",
            "instalments": instalments,
            "paid_total": money(self.paid_total),
            "report": self.report,
            "status": self.status,
        }
