"""An evaluation panel: conflict declarations, independent scores, moderation, award, summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from streetlevel.commissioning.domain.procurement.errors import EvaluationRuleBroken

Role = Literal["chair", "evaluator", "moderator", "adviser"]
SCORING_ROLES = frozenset({"chair", "evaluator"})
MODERATING_ROLES = frozenset({"chair", "moderator"})
CONFLICTS = "Procurement Act 2023, ss.81-83 (conflicts of interest)"
MAT = "Procurement Act 2023, s.19 (award to the most advantageous tender)"
SUMMARIES = "Procurement Act 2023, s.50(3); Procurement Regulations 2024, reg. 31"


@dataclass(frozen=True)
class PanelMember:
    """A named person on the panel and what they do in it."""

    id: str
    name: str
    role: Role


@dataclass(frozen=True)
class Criterion:
    """An award criterion with its weight (percent) and the top of its scoring scale."""

    name: str
    weight: Decimal
    max_score: Decimal = Decimal(5)


@dataclass(frozen=True)
class Declaration:
    """A member's statement about one bidder: conflicted or not, made before seeing content."""

    member_id: str
    bidder_id: str
    conflicted: bool
    details: str
    declared_at: datetime


@dataclass(frozen=True)
class Score:
    """One member's independent score for one bid on one criterion, with its reason."""

    member_id: str
    bidder_id: str
    criterion: str
    score: Decimal
    reason: str
    scored_at: datetime


@dataclass(frozen=True)
class ModeratedScore:
    """The panel's agreed score for one bid on one criterion and why."""

    bidder_id: str
    criterion: str
    score: Decimal
    rationale: str
    moderator_id: str
    moderated_at: datetime


def _broken(detail: str, rule: str, section: str = CONFLICTS) -> EvaluationRuleBroken:
    return EvaluationRuleBroken(detail, rule=rule, section=section)


@dataclass
class Evaluation:
    """The evaluation of one lot's bids after the tender deadline (an aggregate, pure)."""

    lot_id: str
    tender_deadline: datetime
    criteria: tuple[Criterion, ...]
    bidders: tuple[str, ...]
    members: dict[str, PanelMember] = field(default_factory=dict)
    declarations: dict[tuple[str, str], Declaration] = field(default_factory=dict)
    released_to: dict[str, datetime] = field(default_factory=dict)
    scores: dict[tuple[str, str, str], Score] = field(default_factory=dict)
    moderation_started_at: datetime | None = None
    moderated: dict[tuple[str, str], ModeratedScore] = field(default_factory=dict)
    awarded_to: str | None = None
    award_reason: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [c.name for c in self.criteria]
        if not names or len(set(names)) != len(names):
            raise ValueError("a lot is evaluated on one or more distinct criteria")
        if sum(c.weight for c in self.criteria) != 100:
            raise ValueError("criterion weights sum to 100")
        if any(c.max_score <= 0 or c.weight < 0 for c in self.criteria):
            raise ValueError("each criterion has a positive scale and a weight of 0 or more")
        if not self.bidders or len(set(self.bidders)) != len(self.bidders):
            raise ValueError("a lot is evaluated for one or more distinct bidders")

    def _record(self, at: datetime, action: str, **data: Any) -> None:
        self.history.append({"at": at, "action": action, **data})

    def _criterion(self, name: str) -> Criterion:
        for c in self.criteria:
            if c.name == name:
                return c
        raise _broken(f"{name} is not an award criterion of this lot.", "unknown_criterion", MAT)

    def _member(self, member_id: str) -> PanelMember:
        if member_id not in self.members:
            raise _broken(f"{member_id} is not on the panel.", "not_on_panel")
        return self.members[member_id]

    def _bidder(self, bidder_id: str) -> None:
        if bidder_id not in self.bidders:
            raise _broken(f"{bidder_id} did not bid for this lot.", "unknown_bidder", MAT)

    def conflicted(self, member_id: str, bidder_id: str) -> bool:
        d = self.declarations.get((member_id, bidder_id))
        return d is not None and d.conflicted

    def add_member(self, member: PanelMember, *, now: datetime) -> None:
        """Name a panel member; not once moderation has started."""
        if self.moderation_started_at is not None:
            raise _broken("The panel is fixed once moderation starts.", "panel_fixed")
        if member.id in self.members:
            raise _broken(f"{member.name} is already on the panel.", "already_on_panel")
        self.members[member.id] = member
        self._record(now, "member_added", member_id=member.id, role=member.role)

    def declare(
        self, member_id: str, bidder_id: str, *, conflicted: bool, details: str, now: datetime
    ) -> None:
        """Record a member's declaration on one bidder."""
        # Made after the deadline (bidders known) and before content is seen; a conflict found later
        # may still be declared (s.81 keeps the duty under review) and voids that member's scores.
        self._member(member_id)
        self._bidder(bidder_id)
        if now < self.tender_deadline:
            raise _broken(
                "Declarations are made after the tender deadline, once the bidders are known.",
                "declaration_too_early",
            )
        if conflicted and not details.strip():
            raise _broken("A declared conflict states its nature.", "conflict_undescribed")
        late = member_id in self.released_to
        if late and not conflicted:
            raise _broken(
                "A declaration of no conflict must be made before bid content is visible to "
                "the member.",
                "declaration_too_late",
            )
        if late and self.moderation_started_at is not None:
            raise _broken(
                "A conflict found during moderation needs the lot's evaluation to be restarted.",
                "conflict_after_moderation",
            )
        self.declarations[(member_id, bidder_id)] = Declaration(
            member_id, bidder_id, conflicted, details, now
        )
        voided = [k for k in self.scores if k[0] == member_id and k[1] == bidder_id]
        for key in voided:
            del self.scores[key]
        self._record(
            now,
            "declared",
            member_id=member_id,
            bidder_id=bidder_id,
            conflicted=conflicted,
            late=late,
            scores_voided=len(voided),
        )

    def release_content(self, member_id: str, *, now: datetime) -> tuple[str, ...]:
        """Open bid content to a member who has declared on every bidder; returns what they see."""
        self._member(member_id)
        missing = [b for b in self.bidders if (member_id, b) not in self.declarations]
        if missing:
            raise _broken(
                f"{member_id} must declare on every bidder before seeing any bid "
                f"(missing: {', '.join(missing)}).",
                "declaration_missing",
            )
        self.released_to.setdefault(member_id, now)
        visible = tuple(b for b in self.bidders if not self.conflicted(member_id, b))
        self._record(now, "content_released", member_id=member_id, visible=list(visible))
        return visible

    def score(
        self,
        member_id: str,
        bidder_id: str,
        criterion: str,
        value: Decimal,
        *,
        reason: str,
        now: datetime,
    ) -> None:
        """An independent score; the member may revise it until moderation starts."""
        member = self._member(member_id)
        self._bidder(bidder_id)
        c = self._criterion(criterion)
        if member.role not in SCORING_ROLES:
            raise _broken(f"A panel {member.role} does not score bids.", "role_cannot_score", MAT)
        if self.moderation_started_at is not None:
            raise _broken(
                "Independent scores are fixed once moderation starts.", "scores_fixed", MAT
            )
        if member_id not in self.released_to:
            raise _broken("Bid content has not been released to this member.", "content_closed")
        if self.conflicted(member_id, bidder_id):
            raise _broken(
                f"{member.name} declared a conflict with {bidder_id} and cannot score that bid.",
                "conflicted_member",
            )
        if not Decimal(0) <= value <= c.max_score:
            raise _broken(
                f"Scores for {criterion} run from 0 to {c.max_score}.", "score_range", MAT
            )
        if not reason.strip():
            raise _broken("Each score carries its reason.", "score_unreasoned", SUMMARIES)
        self.scores[(member_id, bidder_id, criterion)] = Score(
            member_id, bidder_id, criterion, value, reason, now
        )
        self._record(now, "scored", member_id=member_id, bidder_id=bidder_id, criterion=criterion)

    def _scorers(self) -> list[PanelMember]:
        return [m for m in self.members.values() if m.role in SCORING_ROLES]

    def outstanding_scores(self) -> list[tuple[str, str, str]]:
        """Every (member, bidder, criterion) a non-conflicted scorer has still to score."""
        return [
            (m.id, b, c.name)
            for m in self._scorers()
            for b in self.bidders
            if not self.conflicted(m.id, b)
            for c in self.criteria
            if (m.id, b, c.name) not in self.scores
        ]

    def start_moderation(self, *, now: datetime) -> None:
        """Freeze independent scores; every bid needs at least one scorer and no gaps."""
        if self.moderation_started_at is not None:
            raise _broken("Moderation has already started.", "moderation_started", MAT)
        outstanding = self.outstanding_scores()
        if outstanding:
            raise _broken(
                f"{len(outstanding)} independent scores are outstanding.", "scores_outstanding", MAT
            )
        unscored = [b for b in self.bidders if not any(k[1] == b for k in self.scores)]
        if unscored:
            raise _broken(
                f"No unconflicted panel member scored {', '.join(unscored)}.", "bid_unscored", MAT
            )
        self.moderation_started_at = now
        self._record(now, "moderation_started")

    def moderate(
        self,
        moderator_id: str,
        bidder_id: str,
        criterion: str,
        value: Decimal,
        *,
        rationale: str,
        now: datetime,
    ) -> None:
        """Set the one moderated score for a bid and criterion, with its rationale."""
        member = self._member(moderator_id)
        self._bidder(bidder_id)
        c = self._criterion(criterion)
        if self.moderation_started_at is None:
            raise _broken("Moderation has not started.", "moderation_not_started", MAT)
        if member.role not in MODERATING_ROLES:
            raise _broken(f"A panel {member.role} does not moderate.", "role_cannot_moderate", MAT)
        if self.conflicted(moderator_id, bidder_id):
            raise _broken(
                f"{member.name} declared a conflict with {bidder_id} and cannot moderate that bid.",
                "conflicted_member",
            )
        if (bidder_id, criterion) in self.moderated:
            raise _broken("That score is already moderated.", "already_moderated", MAT)
        if not Decimal(0) <= value <= c.max_score:
            raise _broken(
                f"Scores for {criterion} run from 0 to {c.max_score}.", "score_range", MAT
            )
        if not rationale.strip():
            raise _broken("A moderated score carries its rationale.", "score_unreasoned", SUMMARIES)
        self.moderated[(bidder_id, criterion)] = ModeratedScore(
            bidder_id, criterion, value, rationale, moderator_id, now
        )
        self._record(now, "moderated", bidder_id=bidder_id, criterion=criterion)

    def weighted_total(self, bidder_id: str) -> Decimal:
        """The bid's moderated total out of 100: sum of score / max x weight."""
        return sum(
            (
                self.moderated[(bidder_id, c.name)].score / c.max_score * c.weight
                for c in self.criteria
            ),
            Decimal(0),
        )

    def ranking(self) -> list[tuple[str, Decimal]]:
        """Bids by moderated total, best first (ties keep bid order and need a reason to award)."""
        missing = [
            (b, c.name)
            for b in self.bidders
            for c in self.criteria
            if (b, c.name) not in self.moderated
        ]
        if missing:
            raise _broken(
                f"{len(missing)} scores are not yet moderated.", "moderation_incomplete", MAT
            )
        totals = [(b, self.weighted_total(b)) for b in self.bidders]
        return sorted(totals, key=lambda item: item[1], reverse=True)

    def award(self, bidder_id: str, *, reason: str = "", now: datetime) -> None:
        """Award to the most advantageous tender, or record why another bid is chosen."""
        self._bidder(bidder_id)
        if self.awarded_to is not None:
            raise _broken("This lot is already awarded.", "already_awarded", MAT)
        ranking = self.ranking()
        best = ranking[0][1]
        leaders = [b for b, total in ranking if total == best]
        if (bidder_id not in leaders or len(leaders) > 1) and not reason.strip():
            raise _broken(
                f"{bidder_id} is not the single most advantageous tender on the moderated ranking "
                f"(leading: {', '.join(leaders)}); record the reason (e.g. an exclusion or a "
                "tie-break) to depart from it.",
                "award_off_ranking",
                MAT,
            )
        self.awarded_to, self.award_reason = bidder_id, reason
        self._record(now, "awarded", bidder_id=bidder_id, reason=reason, ranking=ranking)

    def _why_not(self, bidder_id: str) -> str:
        if bidder_id == self.awarded_to:
            return ""
        ranking = [b for b, _ in self.ranking()]
        if ranking.index(bidder_id) < ranking.index(self.awarded_to or bidder_id):
            return self.award_reason
        return "Another tender scored higher on the published award criteria."

    def assessment_summary(self, bidder_id: str) -> dict[str, Any]:
        """What s.50(3) and reg. 31 give one bidder privately, the winner's figures alongside."""
        self._bidder(bidder_id)
        if self.awarded_to is None:
            raise _broken(
                "Assessment summaries follow the award decision.", "not_awarded", SUMMARIES
            )
        winner = self.awarded_to

        def line(b: str, c: Criterion) -> dict[str, Any]:
            m = self.moderated[(b, c.name)]
            return {"score": str(m.score), "max_score": str(c.max_score), "reason": m.rationale}

        return {
            "lot_id": self.lot_id,
            "bidder_id": bidder_id,
            "successful": bidder_id == winner,
            "winner_id": winner,
            "total": f"{self.weighted_total(bidder_id):.2f}",
            "winner_total": f"{self.weighted_total(winner):.2f}",
            "not_awarded_because": self._why_not(bidder_id),
            "criteria": [
                {
                    "name": c.name,
                    "weight": str(c.weight),
                    "yours": line(bidder_id, c),
                    "winner": line(winner, c),
                }
                for c in self.criteria
            ],
        }

    def conflicts_assessment(self) -> list[dict[str, Any]]:
        """The s.83 record: each declared conflict and the step taken to mitigate it."""
        return [
            {
                "member_id": d.member_id,
                "role": self.members[d.member_id].role,
                "bidder_id": d.bidder_id,
                "details": d.details,
                "declared_at": d.declared_at.isoformat(),
                "mitigation": "excluded from seeing, scoring and moderating this bid",
            }
            for d in self.declarations.values()
            if d.conflicted
        ]
