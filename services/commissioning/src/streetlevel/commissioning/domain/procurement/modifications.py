"""Which contract modifications the Act permits (s.74, Schedule 8) and UK10/UK11 notice content."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from streetlevel.commissioning.domain.procurement.contract_changes import ChangeDecision
from streetlevel.commissioning.domain.procurement.errors import ProcurementRuleBroken
from streetlevel.commissioning.domain.values import Money

Ground = Literal[
    "provided_for", "urgency", "unforeseeable", "known_risk", "additional", "restructuring"
]
#: Schedule 8's grounds a council can cite for a modification that is otherwise substantial.
GROUNDS: dict[str, str] = {
    "provided_for": "Schedule 8, paragraph 1 (provided for in the contract and its notice)",
    "urgency": "Schedule 8, paragraph 2 (urgency and the protection of life)",
    "unforeseeable": "Schedule 8, paragraph 4 (unforeseeable circumstances)",
    "known_risk": "Schedule 8, paragraph 5 (materialisation of a known risk)",
    "additional": "Schedule 8 (additional goods, services or works)",
    "restructuring": "Schedule 8 (transfer on corporate restructuring)",
}
#: Grounds that may not raise the contract's estimated value by more than 50 %.
CAPPED = frozenset({"unforeseeable", "known_risk", "additional"})
SECTION = "Procurement Act 2023, s.74 and Schedule 8"
#: A GB-PPON as Find a Tender issues it (P + 3 letters, 4 digits, 4 letters).
PPON = re.compile(r"^P[A-Z]{3}-\d{4}-[A-Z]{4}$")


def check_modification(
    decision: ChangeDecision, *, ground: str | None, before: Money, after: Money
) -> str:
    """The legal basis of a modification, or a 422 naming what the Act requires."""
    if not decision.notice_required:
        return decision.reason
    if ground is None:
        raise ProcurementRuleBroken(
            f"{decision.reason} Such a modification is permitted only on a Schedule 8 ground: "
            f"name one of {', '.join(GROUNDS)}.",
            rule="modification_not_permitted",
            section=SECTION,
            loc=["body", "ground"],
        )
    if ground in CAPPED and after.amount > before.amount * Decimal("1.5"):
        raise ProcurementRuleBroken(
            f"{GROUNDS[ground]} cannot raise the contract's value by more than 50 % "
            f"(£{before.amount:,} to £{after.amount:,}).",
            rule="modification_cap",
            section=SECTION,
            loc=["body", "value"],
        )
    return f"{decision.reason} Permitted under {GROUNDS[ground]}."


def split_org_id(org_id: str) -> tuple[str, str]:
    """An org-id (``GB-LAE-BPL``, ``GB-PPON-PBHM-7586-PWLP``) as (scheme, identifier)."""
    if org_id.startswith("GB-PPON-") and PPON.match(org_id.removeprefix("GB-PPON-")):
        return "GB-PPON", org_id.removeprefix("GB-PPON-")
    scheme, _, local = org_id.rpartition("-")
    return scheme, local
