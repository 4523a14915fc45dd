"""A Blackpool commissioning cycle end to end through the pure rules (UK4 to UK7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from streetlevel.commissioning.domain.procurement.errors import (
    EvaluationRuleBroken,
    NoticeOutOfOrder,
    ReservationNotAllowed,
)
from streetlevel.commissioning.domain.procurement.evaluation import (
    Criterion,
    Evaluation,
    PanelMember,
)
from streetlevel.commissioning.domain.procurement.money import ContractValue
from streetlevel.commissioning.domain.procurement.notices import NOTICES, NoticeLog
from streetlevel.commissioning.domain.procurement.procedures import (
    ProcedurePlan,
    check_procedure,
    check_tendering_period,
)
from streetlevel.commissioning.domain.procurement.reservations import (
    LotTerms,
    check_reservations,
)
from streetlevel.commissioning.domain.procurement.thresholds import classify
from streetlevel.commissioning.domain.procurement.working_days import (
    UK_TIME,
    WorkingDayCalendar,
    contract_details_due,
    standstill,
)
from streetlevel.commissioning.domain.values import Money

BLACKPOOL = WorkingDayCalendar("england")
CRITERIA = (Criterion("quality", Decimal(70)), Criterion("price", Decimal(30)))


def fields(code: str, covered: bool) -> dict[str, Any]:
    return {f: f"{f} of the notice" for f in NOTICES[code].required(covered)}  # type: ignore[index]


def evaluate(deadline: datetime) -> Evaluation:
    ev = Evaluation("lot-north", deadline, CRITERIA, ("layton-cic", "bispham-coop"))
    after = deadline + timedelta(hours=2)
    ev.add_member(PanelMember("p1", "Priya", "chair"), now=after)
    ev.add_member(PanelMember("p2", "Tom", "evaluator"), now=after)
    ev.add_member(PanelMember("p3", "Jo", "evaluator"), now=after)
    for m in ("p1", "p2", "p3"):
        for b in ev.bidders:
            conflicted = (m, b) == ("p3", "layton-cic")
            ev.declare(
                m,
                b,
                conflicted=conflicted,
                details="volunteers there" if conflicted else "",
                now=after,
            )
        ev.release_content(m, now=after)
    with pytest.raises(EvaluationRuleBroken, match="cannot score"):
        ev.score("p3", "layton-cic", "quality", Decimal(5), reason="x", now=after)
    marks = {"layton-cic": Decimal(4), "bispham-coop": Decimal(3)}
    for m in ("p1", "p2", "p3"):
        for b in ev.bidders:
            if not ev.conflicted(m, b):
                for c in CRITERIA:
                    ev.score(m, b, c.name, marks[b], reason="evidence in section 2", now=after)
    ev.start_moderation(now=after)
    for b in ev.bidders:
        for c in CRITERIA:
            ev.moderate("p1", b, c.name, marks[b], rationale=f"{b}: case studies", now=after)
    ev.award("layton-cic", now=after)
    return ev


def test_an_above_threshold_open_procedure_for_blackpool_from_uk4_to_uk7() -> None:
    lots = [ContractValue.from_net(Money(amount=Decimal("100000"))) for _ in range(2)]
    routing = classify(
        [v.gross for v in lots], kind="services", nation="england", started_on=date(2026, 3, 2)
    )
    assert routing.classification == "above_threshold"  # £240,000 with VAT
    with pytest.raises(ReservationNotAllowed):
        check_reservations(["social_enterprise_only"], routing=routing, terms=LotTerms("open"))
    plan = ProcedurePlan("open")
    check_procedure(plan, routing)
    uk4_at = datetime(2026, 3, 2, 9, tzinfo=UK_TIME)
    deadline = uk4_at + timedelta(days=25)
    check_tendering_period(plan, routing, tender_notice_at=uk4_at, tender_end=deadline)
    log = NoticeLog(routing, "open")
    log.publish("UK4", fields("UK4", True), now=uk4_at)
    ev = evaluate(deadline)
    summaries = {b: ev.assessment_summary(b) for b in ev.bidders}
    assert summaries["bispham-coop"]["winner_id"] == "layton-cic"
    uk6_at = datetime(2026, 4, 2, 15, tzinfo=UK_TIME)  # the Thursday before Easter
    log.publish("UK6", fields("UK6", True), now=uk6_at, summaries_sent=True)
    held = standstill(routing, award_notice_at=uk6_at, calendar=BLACKPOOL)
    assert held.last_day == date(2026, 4, 15)  # Good Friday and Easter Monday skipped
    with pytest.raises(NoticeOutOfOrder):
        log.publish("UK7", fields("UK7", True), now=uk6_at + timedelta(days=7), standstill=held)
    assert held.ends_at is not None
    entered = held.ends_at + timedelta(hours=9)
    log.publish("UK7", fields("UK7", True), now=entered, standstill=held)
    assert contract_details_due(entered) == date(2026, 5, 15)
    assert [n["code"] for n in log.published] == ["UK4", "UK6", "UK7"]


def test_a_below_threshold_blackpool_commission_reserved_to_local_social_enterprises() -> None:
    routing = classify(
        [Money(amount=Decimal("48000"))],
        kind="services",
        nation="england",
        started_on=date(2026, 3, 2),
    )
    assert routing.classification == "regulated_below_threshold"
    check_reservations(
        ["max_size", "social_enterprise_only", "must_serve_area"],
        routing=routing,
        terms=LotTerms("open"),
    )
    plan = ProcedurePlan("open")
    check_procedure(plan, routing)
    uk4_at = datetime(2026, 3, 2, 9, tzinfo=UK_TIME)
    deadline = uk4_at + timedelta(days=10)
    check_tendering_period(plan, routing, tender_notice_at=uk4_at, tender_end=deadline)
    log = NoticeLog(routing, "open")
    log.publish("UK4", fields("UK4", False), now=uk4_at)
    ev = evaluate(deadline)
    told = datetime(2026, 4, 2, 15, tzinfo=UK_TIME)
    assert not standstill(routing, award_notice_at=told, calendar=BLACKPOOL).applies
    chosen = standstill(routing, award_notice_at=told, calendar=BLACKPOOL, voluntary=True)
    assert chosen.applies
    assert not chosen.mandatory
    assert ev.awarded_to == "layton-cic"
    log.publish("UK7", fields("UK7", False), now=told + timedelta(days=20))
    assert [n["code"] for n in log.published] == ["UK4", "UK7"]
