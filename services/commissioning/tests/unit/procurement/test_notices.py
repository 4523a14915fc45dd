"""Notices UK2-UK12: which may follow which per route, and the fields each must carry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from streetlevel.commissioning.domain.procurement.errors import (
    NoticeOutOfOrder,
    ProcurementRuleBroken,
)
from streetlevel.commissioning.domain.procurement.notices import NOTICES, NoticeLog, sequence
from streetlevel.commissioning.domain.procurement.thresholds import Routing, classify
from streetlevel.commissioning.domain.procurement.working_days import (
    UK_TIME,
    WorkingDayCalendar,
    standstill,
)
from streetlevel.commissioning.domain.values import Money

NOW = datetime(2026, 4, 2, 10, tzinfo=UK_TIME)


def routed(amount: str, grant: bool = False) -> Routing:
    return classify(
        [Money(amount=Decimal(amount))],
        kind="services",
        nation="england",
        started_on=date(2026, 3, 1),
        grant=grant,
    )


def full(code: str, covered: bool = True) -> dict[str, Any]:
    return {f: "x" for f in NOTICES[code].required(covered)}  # type: ignore[index]


def test_every_notice_names_its_section_and_common_fields() -> None:
    assert set(NOTICES) == {"UK2", "UK3", "UK4", "UK5", "UK6", "UK7", "UK10", "UK11", "UK12"}
    for spec in NOTICES.values():
        assert spec.section.startswith("s.")
        assert {"contracting_authority", "procurement_id", "cpv_codes"} <= set(spec.required(True))


def test_an_above_threshold_open_procedure_runs_uk4_uk6_uk7_then_change_and_termination() -> None:
    log = NoticeLog(routed("300000"), "open")
    assert log.allowed_next() == {"UK2", "UK3", "UK4"}
    log.publish("UK4", full("UK4"), now=NOW)
    with pytest.raises(NoticeOutOfOrder) as err:
        log.publish("UK7", full("UK7"), now=NOW)
    assert err.value.status == 409
    assert "UK5, UK6, UK12" in err.value.detail
    log.publish("UK6", full("UK6"), now=NOW, summaries_sent=True)
    held = standstill(log.routing, award_notice_at=NOW, calendar=WorkingDayCalendar("england"))
    with pytest.raises(NoticeOutOfOrder, match="standstill"):
        log.publish("UK7", full("UK7"), now=NOW, standstill=held)
    assert held.ends_at is not None
    log.publish("UK7", full("UK7"), now=held.ends_at, standstill=held)
    log.publish("UK10", full("UK10"), now=held.ends_at)
    log.publish("UK10", full("UK10"), now=held.ends_at)
    log.publish("UK11", full("UK11"), now=held.ends_at)
    with pytest.raises(NoticeOutOfOrder, match="ended with UK11"):
        log.publish("UK10", full("UK10"), now=held.ends_at)
    assert [n["code"] for n in log.published] == ["UK4", "UK6", "UK7", "UK10", "UK10", "UK11"]


def test_the_contract_award_notice_follows_the_assessment_summaries() -> None:
    log = NoticeLog(routed("300000"), "open")
    log.publish("UK4", full("UK4"), now=NOW)
    with pytest.raises(ProcurementRuleBroken) as err:
        log.publish("UK6", full("UK6"), now=NOW)
    assert err.value.rule == "summaries_not_sent"
    assert "s.50(3)" in err.value.section


def test_a_direct_award_starts_with_a_transparency_notice() -> None:
    log = NoticeLog(routed("300000"), "direct_award")
    assert log.allowed_next() == {"UK2", "UK5"}
    with pytest.raises(NoticeOutOfOrder):
        log.publish("UK4", full("UK4"), now=NOW)
    log.publish("UK5", full("UK5"), now=NOW)
    log.publish("UK6", full("UK6"), now=NOW, summaries_sent=True)


def test_a_procurement_may_be_terminated_with_uk12_and_nothing_follows() -> None:
    log = NoticeLog(routed("300000"), "competitive_flexible")
    log.publish("UK3", full("UK3"), now=NOW)
    log.publish("UK4", full("UK4"), now=NOW)
    log.publish("UK12", full("UK12"), now=NOW)
    assert log.allowed_next() == frozenset()
    with pytest.raises(NoticeOutOfOrder, match="ended with UK12"):
        log.publish("UK4", full("UK4"), now=NOW)


def test_below_threshold_an_advertised_contract_has_a_tender_notice_then_contract_details() -> None:
    log = NoticeLog(routed("60000"), "open")
    assert log.allowed_next() == {"UK4", "UK7"}
    below_uk4 = full("UK4", covered=False)
    assert "enquiry_deadline" not in below_uk4
    log.publish("UK4", below_uk4, now=NOW)
    with pytest.raises(NoticeOutOfOrder):
        log.publish("UK6", full("UK6"), now=NOW, summaries_sent=True)
    log.publish("UK7", full("UK7", covered=False), now=NOW)
    assert log.allowed_next() == {"UK10"}  # only once a change makes it convertible (s.75)


def test_no_act_notice_applies_under_thirty_thousand_pounds_or_to_a_grant() -> None:
    for routing in (routed("29999.99"), routed("500000", grant=True)):
        log = NoticeLog(routing, "open")
        with pytest.raises(NoticeOutOfOrder, match="no Act notices apply"):
            log.publish("UK4", full("UK4"), now=NOW)
        assert sequence(routing, "open") == {"start": frozenset()}


def test_a_notice_missing_a_required_field_is_refused_naming_it() -> None:
    log = NoticeLog(routed("300000"), "open")
    fields = full("UK4")
    fields["tender_deadline"] = ""
    del fields["cpv_codes"]
    with pytest.raises(ProcurementRuleBroken) as err:
        log.publish("UK4", fields, now=NOW)
    assert err.value.rule == "notice_incomplete"
    assert "cpv_codes" in err.value.detail
    assert "tender_deadline" in err.value.detail
    assert log.published == []
