"""Panel, conflict declarations, independent scores, moderation, award and assessment summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streetlevel.commissioning.domain.procurement.errors import EvaluationRuleBroken
from streetlevel.commissioning.domain.procurement.evaluation import (
    Criterion,
    Evaluation,
    PanelMember,
)

DEADLINE = datetime(2026, 4, 1, 12, tzinfo=UTC)
AFTER = DEADLINE + timedelta(hours=1)
CRITERIA = (
    Criterion("quality", Decimal(60)),
    Criterion("price", Decimal(30)),
    Criterion("social_value", Decimal(10)),
)


def panel() -> Evaluation:
    ev = Evaluation("lot-1", DEADLINE, CRITERIA, ("acorn", "birch", "cedar"))
    for member in (
        PanelMember("ann", "Ann Chair", "chair"),
        PanelMember("bob", "Bob Evaluator", "evaluator"),
        PanelMember("cat", "Cat Evaluator", "evaluator"),
        PanelMember("mo", "Mo Moderator", "moderator"),
    ):
        ev.add_member(member, now=AFTER)
    return ev


def declare_all(ev: Evaluation, conflicts: dict[tuple[str, str], str] | None = None) -> None:
    conflicts = conflicts or {}
    for m in ev.members:
        for b in ev.bidders:
            reason = conflicts.get((m, b), "")
            ev.declare(m, b, conflicted=bool(reason), details=reason, now=AFTER)


def score_all(ev: Evaluation, marks: dict[str, Decimal]) -> None:
    for m in ("ann", "bob", "cat"):
        ev.release_content(m, now=AFTER)
        for b in ev.bidders:
            if ev.conflicted(m, b):
                continue
            for c in ev.criteria:
                ev.score(m, b, c.name, marks[b], reason=f"{m} on {b}", now=AFTER)


def moderate_all(ev: Evaluation, marks: dict[str, Decimal]) -> None:
    for b in ev.bidders:
        for c in ev.criteria:
            ev.moderate("mo", b, c.name, marks[b], rationale=f"agreed {c.name} for {b}", now=AFTER)


MARKS = {"acorn": Decimal(4), "birch": Decimal(5), "cedar": Decimal(2)}


def test_a_full_evaluation_awards_the_most_advantageous_tender_and_summarises_each_bid() -> None:
    ev = panel()
    declare_all(ev, {("cat", "birch"): "Cat's sister is a director of Birch CIC"})
    score_all(ev, MARKS)
    ev.start_moderation(now=AFTER)
    moderate_all(ev, MARKS)
    assert [b for b, _ in ev.ranking()] == ["birch", "acorn", "cedar"]
    assert ev.weighted_total("birch") == Decimal(100)
    ev.award("birch", now=AFTER)
    summary = ev.assessment_summary("acorn")
    assert not summary["successful"]
    assert summary["winner_id"] == "birch"
    assert summary["total"] == "80.00"
    assert summary["winner_total"] == "100.00"
    quality = summary["criteria"][0]
    assert quality["yours"] == {
        "score": "4",
        "max_score": "5",
        "reason": "agreed quality for acorn",
    }
    assert quality["winner"]["score"] == "5"
    assert ev.assessment_summary("birch")["successful"]
    assessment = ev.conflicts_assessment()
    assert assessment == [
        {
            "member_id": "cat",
            "role": "evaluator",
            "bidder_id": "birch",
            "details": "Cat's sister is a director of Birch CIC",
            "declared_at": AFTER.isoformat(),
            "mitigation": "excluded from seeing, scoring and moderating this bid",
        }
    ]
    actions = [h["action"] for h in ev.history]
    assert actions.count("declared") == 12
    assert actions[-1] == "awarded"


def test_a_conflicted_member_sees_no_content_of_that_bid_and_cannot_score_it() -> None:
    ev = panel()
    declare_all(ev, {("cat", "birch"): "shareholder"})
    assert ev.release_content("cat", now=AFTER) == ("acorn", "cedar")
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.score("cat", "birch", "quality", Decimal(3), reason="x", now=AFTER)
    assert err.value.status == 409
    assert err.value.rule == "conflicted_member"
    assert "ss.81-83" in err.value.section


def test_declarations_come_after_the_deadline_and_before_content_is_visible() -> None:
    ev = panel()
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.declare("bob", "acorn", conflicted=False, details="", now=DEADLINE - timedelta(1))
    assert err.value.rule == "declaration_too_early"
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.release_content("bob", now=AFTER)
    assert err.value.rule == "declaration_missing"
    assert "acorn" in err.value.detail
    declare_all(ev)
    ev.release_content("bob", now=AFTER)
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.declare("bob", "acorn", conflicted=False, details="", now=AFTER)
    assert err.value.rule == "declaration_too_late"


def test_a_conflict_found_late_voids_that_members_scores_for_the_bid() -> None:
    ev = panel()
    declare_all(ev)
    ev.release_content("bob", now=AFTER)
    ev.score("bob", "acorn", "quality", Decimal(3), reason="fine", now=AFTER)
    ev.declare(
        "bob", "acorn", conflicted=True, details="learned he mentors Acorn's founder", now=AFTER
    )
    assert ("bob", "acorn", "quality") not in ev.scores
    assert ev.history[-1]["late"]
    assert ev.history[-1]["scores_voided"] == 1


def test_a_declared_conflict_states_its_nature() -> None:
    ev = panel()
    with pytest.raises(EvaluationRuleBroken, match="nature"):
        ev.declare("bob", "acorn", conflicted=True, details=" ", now=AFTER)


def test_independent_scores_are_fixed_once_moderation_starts() -> None:
    ev = panel()
    declare_all(ev)
    score_all(ev, MARKS)
    ev.score("bob", "acorn", "quality", Decimal(3), reason="revised before moderation", now=AFTER)
    ev.start_moderation(now=AFTER)
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.score("bob", "acorn", "quality", Decimal(1), reason="too late", now=AFTER)
    assert err.value.rule == "scores_fixed"
    with pytest.raises(EvaluationRuleBroken, match="fixed"):
        ev.add_member(PanelMember("dan", "Dan", "evaluator"), now=AFTER)


def test_moderation_waits_for_every_independent_score() -> None:
    ev = panel()
    declare_all(ev)
    ev.release_content("bob", now=AFTER)
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.start_moderation(now=AFTER)
    assert err.value.rule == "scores_outstanding"
    with pytest.raises(EvaluationRuleBroken, match="not started"):
        ev.moderate("mo", "acorn", "quality", Decimal(3), rationale="x", now=AFTER)


def test_a_bid_every_scorer_is_conflicted_with_cannot_be_moderated_unscored() -> None:
    ev = panel()
    conflicts = {(m, "cedar"): "related" for m in ("ann", "bob", "cat")}
    declare_all(ev, conflicts)
    score_all(ev, MARKS)
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.start_moderation(now=AFTER)
    assert err.value.rule == "bid_unscored"
    assert "cedar" in err.value.detail


def test_roles_ranges_and_reasons_are_enforced() -> None:
    ev = panel()
    declare_all(ev)
    ev.release_content("mo", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="does not score"):
        ev.score("mo", "acorn", "quality", Decimal(3), reason="x", now=AFTER)
    ev.release_content("bob", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="0 to 5"):
        ev.score("bob", "acorn", "quality", Decimal(6), reason="x", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="reason"):
        ev.score("bob", "acorn", "quality", Decimal(3), reason="", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="not an award criterion"):
        ev.score("bob", "acorn", "colour", Decimal(3), reason="x", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="did not bid"):
        ev.score("bob", "dogwood", "quality", Decimal(3), reason="x", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="not on the panel"):
        ev.declare("zed", "acorn", conflicted=False, details="", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="not been released"):
        ev.score("ann", "acorn", "quality", Decimal(3), reason="x", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="already on the panel"):
        ev.add_member(PanelMember("bob", "Bob", "evaluator"), now=AFTER)


def test_one_moderated_score_per_criterion_with_a_rationale_from_a_moderator() -> None:
    ev = panel()
    declare_all(ev, {("mo", "acorn"): "former employee"})
    score_all(ev, MARKS)
    ev.start_moderation(now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="cannot moderate"):
        ev.moderate("mo", "acorn", "quality", Decimal(3), rationale="x", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="does not moderate"):
        ev.moderate("bob", "birch", "quality", Decimal(3), rationale="x", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="rationale"):
        ev.moderate("mo", "birch", "quality", Decimal(3), rationale="", now=AFTER)
    ev.moderate("ann", "acorn", "quality", Decimal(4), rationale="chair moderates", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="already moderated"):
        ev.moderate("ann", "acorn", "quality", Decimal(5), rationale="again", now=AFTER)
    with pytest.raises(EvaluationRuleBroken, match="not yet moderated"):
        ev.ranking()


def test_departing_from_the_moderated_ranking_needs_a_recorded_reason() -> None:
    ev = panel()
    declare_all(ev)
    score_all(ev, MARKS)
    ev.start_moderation(now=AFTER)
    moderate_all(ev, MARKS)
    with pytest.raises(EvaluationRuleBroken) as err:
        ev.award("acorn", now=AFTER)
    assert err.value.rule == "award_off_ranking"
    assert "s.19" in err.value.section
    with pytest.raises(EvaluationRuleBroken, match="follow the award"):
        ev.assessment_summary("acorn")
    ev.award("acorn", reason="Birch excluded under s.57: insolvency after tender", now=AFTER)
    assert ev.award_reason.startswith("Birch excluded")
    assert ev.history[-1]["reason"].startswith("Birch excluded")
    with pytest.raises(EvaluationRuleBroken, match="already awarded"):
        ev.award("birch", now=AFTER)


def test_a_tie_for_first_place_needs_a_reason_to_break_it() -> None:
    ev = panel()
    marks = {"acorn": Decimal(5), "birch": Decimal(5), "cedar": Decimal(1)}
    declare_all(ev)
    score_all(ev, marks)
    ev.start_moderation(now=AFTER)
    moderate_all(ev, marks)
    with pytest.raises(EvaluationRuleBroken, match="tie-break"):
        ev.award("acorn", now=AFTER)
    ev.award("acorn", reason="tie broken on quality as the tender documents said", now=AFTER)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5), min_size=9, max_size=9))
def test_the_ranking_is_ordered_by_weighted_total_and_the_leader_wins_without_reason(
    marks: list[int],
) -> None:
    ev = panel()
    declare_all(ev)
    grid = {
        (b, c.name): Decimal(marks[i * 3 + j])
        for i, b in enumerate(ev.bidders)
        for j, c in enumerate(ev.criteria)
    }
    for m in ("ann", "bob", "cat"):
        ev.release_content(m, now=AFTER)
        for (b, c), v in grid.items():
            ev.score(m, b, c, v, reason="r", now=AFTER)
    ev.start_moderation(now=AFTER)
    for (b, c), v in grid.items():
        ev.moderate("mo", b, c, v, rationale="r", now=AFTER)
    ranking = ev.ranking()
    totals = [t for _, t in ranking]
    assert totals == sorted(totals, reverse=True)
    assert all(Decimal(0) <= t <= Decimal(100) for t in totals)
    if len(ranking) == 1 or totals[0] > totals[1]:
        ev.award(ranking[0][0], now=AFTER)
        assert ev.awarded_to == ranking[0][0]


def test_a_summary_explains_why_a_higher_scoring_bid_was_not_awarded() -> None:
    ev = panel()
    declare_all(ev)
    score_all(ev, MARKS)
    ev.start_moderation(now=AFTER)
    moderate_all(ev, MARKS)
    ev.award("acorn", reason="Birch excluded: insolvency after tender (s.57)", now=AFTER)
    assert ev.assessment_summary("birch")["not_awarded_because"].startswith("Birch excluded")
    assert "scored higher" in ev.assessment_summary("cedar")["not_awarded_because"]
    assert ev.assessment_summary("acorn")["not_awarded_because"] == ""


@pytest.mark.parametrize(
    ("criteria", "bidders", "why"),
    [
        ((), ("a",), "distinct criteria"),
        ((Criterion("q", Decimal(50)), Criterion("q", Decimal(50))), ("a",), "distinct criteria"),
        ((Criterion("q", Decimal(90)),), ("a",), "sum to 100"),
        ((Criterion("q", Decimal(100), Decimal(0)),), ("a",), "positive scale"),
        ((Criterion("q", Decimal(100)),), (), "distinct bidders"),
        ((Criterion("q", Decimal(100)),), ("a", "a"), "distinct bidders"),
    ],
)
def test_an_evaluation_needs_weighted_criteria_and_distinct_bidders(
    criteria: tuple[Criterion, ...], bidders: tuple[str, ...], why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        Evaluation("lot-1", DEADLINE, criteria, bidders)
