"""Dated, sourced threshold amounts and the value routing of a commission (Schedule 1, Part 6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from streetlevel.commissioning.domain.procurement.errors import ProcurementRuleBroken
from streetlevel.commissioning.domain.procurement.sources import (
    ACT_S3,
    ACT_S4_SCH3,
    ACT_S84_85,
    ACT_S87,
    ACT_SCH1_2025,
    ACT_SCH1_2026,
    ACT_SCH1_2026_WALES,
    Source,
)
from streetlevel.commissioning.domain.values import Money

Nation = Literal["england", "wales"]
ContractKind = Literal["goods", "services", "light_touch", "works"]
#: Schedule 1 row 12 covers goods and services alike; light touch is row 8, works row 10.
_ROW: dict[str, str] = {"goods": "goods_services", "services": "goods_services"}
Classification = Literal["above_threshold", "regulated_below_threshold", "not_regulated"]
NATIONS: tuple[Nation, ...] = ("england", "wales")

#: The day the Act's regime began; earlier procurements stay under PCR 2015 (not modelled).
ACT_COMMENCEMENT = date(2025, 2, 24)


@dataclass(frozen=True)
class Threshold:
    """One amount (VAT-inclusive) in force for procurements started in [effective_from, until)."""

    name: str
    amount: Decimal
    effective_from: date
    until: date | None
    nations: frozenset[Nation]
    source: Source

    def applies(self, started_on: date, nation: Nation) -> bool:
        return (
            nation in self.nations
            and self.effective_from <= started_on
            and (self.until is None or started_on < self.until)
        )


_BOTH: frozenset[Nation] = frozenset(NATIONS)
_ENG: frozenset[Nation] = frozenset({"england"})
_WLS: frozenset[Nation] = frozenset({"wales"})
_JAN_2026 = date(2026, 1, 1)


def _rows(name: str, y2025: str, y2026: str) -> tuple[Threshold, ...]:
    return (
        Threshold(name, Decimal(y2025), ACT_COMMENCEMENT, _JAN_2026, _BOTH, ACT_SCH1_2025),
        Threshold(name, Decimal(y2026), _JAN_2026, None, _ENG, ACT_SCH1_2026),
        Threshold(name, Decimal(y2026), _JAN_2026, None, _WLS, ACT_SCH1_2026_WALES),
    )


#: Schedule 1 rows 12 (sub-central goods and services), 8 (light touch) and 10 (works), plus
#: the s.87 notifiable floor for an authority that is not central government, and the s.85(3)
#: works amount above which a separate selection stage is allowed below threshold.
THRESHOLDS: tuple[Threshold, ...] = (
    *_rows("goods_services", "214904", "207720"),
    *_rows("light_touch", "663540", "663540"),
    *_rows("works", "5372609", "5193000"),
    Threshold("notifiable_below_threshold", Decimal(30000), ACT_COMMENCEMENT, None, _BOTH, ACT_S87),
    *_rows("s85_works_selection", "214904", "207720"),
)


def threshold(name: str, *, started_on: date, nation: Nation) -> Threshold:
    """The amount in force for a procurement started on ``started_on`` in ``nation``."""
    if started_on < ACT_COMMENCEMENT:
        raise ProcurementRuleBroken(
            "A procurement started before 24 February 2025 stays under the Public Contracts "
            "Regulations 2015, which Street Level does not model.",
            rule="before_commencement",
            section="Procurement Act 2023 (Commencement No. 3) Regulations 2024",
        )
    for row in THRESHOLDS:
        if row.name == name and row.applies(started_on, nation):
            return row
    raise KeyError(f"no {name} threshold for {nation} on {started_on}")


@dataclass(frozen=True)
class Routing:
    """A commission's classification, the amounts that decided it, and the reason in words."""

    classification: Classification
    value_incl_vat: Money
    threshold: Threshold
    notifiable_floor: Threshold
    nation: Nation
    started_on: date
    kind: ContractKind
    reason: str
    outside_act: bool = False

    @property
    def covered(self) -> bool:
        """True when the Act's main regime (Parts 3 to 5) applies: a public contract."""
        return self.classification == "above_threshold"

    @property
    def part6_procedure_applies(self) -> bool:
        """True where s.85 binds: below threshold in England, at any value."""
        # Devolved Welsh authorities are outside s.85 (s.85(5)); grants and exemptions outside
        # the Act altogether.
        return not self.covered and not self.outside_act and self.nation == "england"

    @property
    def notifiable(self) -> bool:
        """s.87 notices (below-threshold tender notice if advertised; contract details)."""
        return self.classification == "regulated_below_threshold"


_GRANT = (
    "A grant is not a contract for the supply, for pecuniary interest, of goods, services or "
    "works, so the Act does not apply (s.3(2))."
)


def classify(
    lot_values_incl_vat: Sequence[Money],
    *,
    kind: ContractKind,
    nation: Nation,
    started_on: date,
    grant: bool = False,
    exempted: bool = False,
) -> Routing:
    """Route a commission by the aggregate value of its lots (Schedule 3: no subdivision)."""
    total = Money(amount=sum((v.amount for v in lot_values_incl_vat), Decimal(0)))
    limit = threshold(_ROW.get(kind, kind), started_on=started_on, nation=nation)
    floor = threshold("notifiable_below_threshold", started_on=started_on, nation=nation)

    def routed(classification: Classification, reason: str, outside: bool = False) -> Routing:
        return Routing(
            classification, total, limit, floor, nation, started_on, kind, reason, outside
        )

    amount = f"£{total.amount:,.2f} including VAT"
    if grant:
        return routed("not_regulated", _GRANT, outside=True)
    if exempted:
        return routed(
            "not_regulated", "An exempted contract (Schedule 2) is outside the Act.", outside=True
        )
    if total.amount >= limit.amount:
        return routed(
            "above_threshold",
            f"{amount} is not less than the {kind} threshold of £{limit.amount:,} "
            f"({limit.source.cite()}): a public contract ({ACT_S3.section}); lots are valued "
            f"together ({ACT_S4_SCH3.section}).",
        )
    if total.amount >= floor.amount:
        return routed(
            "regulated_below_threshold",
            f"{amount} is below the {kind} threshold of £{limit.amount:,} but not less than "
            f"£{floor.amount:,}: a notifiable regulated below-threshold contract "
            f"({ACT_S84_85.section}; {ACT_S87.section}).",
        )
    return routed(
        "not_regulated",
        f"{amount} is below £{floor.amount:,}: no notice is required under s.87; where tenders "
        "are invited in England, s.85 still forbids restricting them by suitability.",
    )
