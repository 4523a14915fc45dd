"""Consortium bids: shares, confirmations, the consortium's eligibility and binding."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from streetlevel.commissioning.domain.bid import Bid
from streetlevel.commissioning.domain.consortium import (
    Consortium,
    Member,
    consortium_unmet,
    share_errors,
    unconfirmed_rule,
)
from streetlevel.commissioning.domain.eligibility import Applicant
from streetlevel.commissioning.domain.errors import IllegalStatus
from streetlevel.commissioning.domain.values import ConsortiumPolicy, Eligibility
from streetlevel.common.areas import Area, AreaIndex

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WARD_A, WARD_B = "E05015186", "E05015187"
AREAS = AreaIndex(
    [
        Area("E06000009", "Blackpool", "lad"),
        Area(WARD_A, "Anchorsholme", "ward", "E06000009"),
        Area(WARD_B, "Bispham", "ward", "E06000009"),
    ]
)


def d(v: str) -> Decimal:
    return Decimal(v)


def trio(lead: str = "40", a: str = "30", b: str = "30") -> Consortium:
    return Consortium(d(lead), d(lead), (Member("m1", d(a), d(a)), Member("m2", d(b), d(b))))


def applicant(eid: str, *, status: str = "verified", size: str = "micro", areas=(WARD_A,)):
    return Applicant(id=eid, name=eid.upper(), status=status, size=size, areas_served=areas)


def bid(consortium: Consortium | None = None) -> Bid:
    return Bid(
        id="b",
        commission_id="c",
        lot_id="lot-1",
        enterprise_id="lead",
        price=d("9000.00"),
        proposal="p",
        commitments=[],
        submitted_at=NOW,
        updated_at=NOW,
        consortium=consortium,
    )


def test_shares_summing_to_100_with_the_lead_are_sound() -> None:
    assert share_errors(trio(), "lead") == []


def test_shares_must_sum_to_100_with_the_lead() -> None:
    errors = share_errors(trio(lead="50"), "lead")
    assert [e["msg"] for e in errors] == [
        "work shares must sum to 100 %, the lead's included",
        "value shares must sum to 100 %, the lead's included",
    ]


def test_work_and_value_shares_are_checked_apart() -> None:
    c = Consortium(d("40"), d("60"), (Member("m1", d("60"), d("40")),))
    assert share_errors(c, "lead") == []
    c = Consortium(d("40"), d("50"), (Member("m1", d("60"), d("40")),))
    assert [e["msg"] for e in share_errors(c, "lead")] == [
        "value shares must sum to 100 %, the lead's included"
    ]


def test_members_are_distinct_nonzero_and_not_the_lead() -> None:
    no_members = Consortium(d("100"), d("100"), ())
    assert "at least one member" in share_errors(no_members, "lead")[0]["msg"]
    twice = Consortium(d("50"), d("50"), (Member("m1", d(25), d(25)), Member("m1", d(25), d(25))))
    assert any("once" in e["msg"] for e in share_errors(twice, "lead"))
    itself = Consortium(d("50"), d("50"), (Member("lead", d(50), d(50)),))
    assert any("the lead is not" in e["msg"] for e in share_errors(itself, "lead"))
    zero = Consortium(d("100"), d("100"), (Member("m1", d(0), d(0)),))
    assert any("above 0" in e["msg"] for e in share_errors(zero, "lead"))


def test_a_consortium_round_trips_through_its_stored_form() -> None:
    c = trio().confirm("m1", NOW)
    assert Consortium.from_dict(c.to_dict()) == c


def test_confirmation_is_per_member_and_once() -> None:
    b = bid(trio())
    assert b.confirm_member("m1", now=NOW) is True
    assert b.confirm_member("m1", now=NOW) is False
    assert b.consortium is not None
    assert b.consortium.unconfirmed == ["m2"]
    assert b.version == 2
    with pytest.raises(IllegalStatus):
        b.confirm_member("stranger", now=NOW)


def test_a_new_price_or_consortium_withdraws_every_confirmation() -> None:
    b = bid(trio())
    b.confirm_member("m1", now=NOW)
    b.confirm_member("m2", now=NOW)
    b.revise(price=None, proposal="clearer", commitments=None, now=NOW)
    assert b.consortium is not None
    assert b.consortium.unconfirmed == []
    b.revise(price=d("8000.00"), proposal=None, commitments=None, now=NOW)
    assert b.consortium.unconfirmed == ["m1", "m2"]
    b.confirm_member("m1", now=NOW)
    b.revise(
        price=None, proposal=None, commitments=None, consortium=trio("50", "25", "25"), now=NOW
    )
    assert b.consortium.unconfirmed == ["m1", "m2"]


def test_a_withdrawn_bid_takes_no_confirmation() -> None:
    b = bid(trio())
    b.withdraw(now=NOW)
    with pytest.raises(IllegalStatus):
        b.confirm_member("m1", now=NOW)


def test_the_lead_and_confirmed_members_are_bound_to_a_live_bid() -> None:
    b = bid(trio())
    assert b.parties == ["lead", "m1", "m2"]
    assert b.binds("lead")
    assert not b.binds("m1")
    b.confirm_member("m1", now=NOW)
    assert b.binds("m1")
    assert not b.binds("m2")
    assert not b.binds("stranger")
    b.withdraw(now=NOW)
    assert not b.binds("lead")


def test_unconfirmed_members_break_the_deadline_rule() -> None:
    c = trio()
    rule = unconfirmed_rule(c)
    assert rule == {
        "rule": "consortium.confirmed",
        "reason": "members did not confirm their part: m1, m2",
    }
    assert unconfirmed_rule(c.confirm("m1", NOW).confirm("m2", NOW)) is None


def members(**overrides: Applicant | None) -> dict[str, Applicant | None]:
    found: dict[str, Applicant | None] = {"m1": applicant("m1"), "m2": applicant("m2")}
    found.update(overrides)
    return found


def unmet(rules: Eligibility, found=None, lead=None, lot=(WARD_A,)) -> list[dict[str, str]]:
    return consortium_unmet(
        lead or applicant("lead"),
        members() if found is None else found,
        trio(),
        rules,
        lot_areas=list(lot),
        areas=AREAS,
    )


def test_an_eligible_consortium_has_no_unmet_rule() -> None:
    assert unmet(Eligibility(must_serve_area=True, max_size="small")) == []


def test_a_commission_may_refuse_consortia() -> None:
    rules = Eligibility(consortium=ConsortiumPolicy(allowed=False))
    assert [u["rule"] for u in unmet(rules)] == ["consortium.allowed"]


def test_every_member_verified_names_each_unverified_member() -> None:
    found = members(m2=applicant("m2", status="pending"))
    [u] = unmet(Eligibility(), found)
    assert u == {
        "rule": "consortium.every_member_verified",
        "reason": "member M2 (m2): the enterprise is pending",
    }
    relaxed = Eligibility(consortium=ConsortiumPolicy(every_member_verified=False))
    assert unmet(relaxed, found) == []


def test_size_limits_apply_to_each_member_and_the_lead() -> None:
    found = members(m1=applicant("m1", size="medium"))
    rules = Eligibility(max_size="small")
    assert [u["rule"] for u in unmet(rules, found)] == ["consortium.member.max_size"]
    assert [u["rule"] for u in unmet(rules, lead=applicant("lead", size="large"))] == ["max_size"]


def test_an_unregistered_member_is_named() -> None:
    [u] = unmet(Eligibility(), members(m1=None))
    assert u["rule"] == "consortium.member.registered"
    assert "(m1)" in u["reason"]


def test_the_consortium_together_serves_the_lot() -> None:
    rules = Eligibility(must_serve_area=True)
    lead = applicant("lead", areas=(WARD_B,))
    assert unmet(rules, lead=lead, lot=(WARD_A, WARD_B)) == []
    nobody = members(m1=applicant("m1", areas=()), m2=applicant("m2", areas=()))
    [u] = unmet(rules, nobody, lead=lead, lot=(WARD_A, WARD_B))
    assert u == {"rule": "must_serve_area", "reason": f"no one in the consortium serves {WARD_A}"}


def test_lead_serves_area_asks_it_of_the_lead_itself() -> None:
    rules = Eligibility(consortium=ConsortiumPolicy(lead_serves_area=True))
    [u] = unmet(rules, lead=applicant("lead", areas=(WARD_B,)))
    assert u["rule"] == "consortium.lead_serves_area"
    assert WARD_A in u["reason"]


def test_too_many_members_breaks_the_limit() -> None:
    rules = Eligibility(consortium=ConsortiumPolicy(max_members=1))
    assert [u["rule"] for u in unmet(rules)] == ["consortium.max_members"]
