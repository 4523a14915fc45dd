"""Disclosure control for sensitive counts: primary and secondary suppression, rounding.

Cells are published figures; relations say ``total = sum(parts)``. A cell with a value
strictly between 0 and 5 is suppressed (primary). Secondary suppression then grows the
suppressed set until a fixed point where, for every relation:

* no relation has exactly one suppressed cell (else differencing gives it back), and
* when the total is published, the suppressed parts do not sum to 1–4 (else the difference
  of the published figures gives that small sum).

Finally an exact linear-algebra audit checks that no suppressed small cell is determined by
any combination of relations; a determined one gets another complementary suppression.
Published values of sensitive cells are rounded to the nearest 5, which perturbs further,
but safety does not rely on it: the rules above hold for the exact values.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
FIVE = Decimal(5)


@dataclass(frozen=True)
class Relation(Generic[K]):
    """An additive relation between published cells: ``total = sum(parts)``."""

    total: K
    parts: tuple[K, ...]

    @property
    def cells(self) -> tuple[K, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Figure:
    """A published figure: a value, or ``None`` with ``suppressed`` set."""

    value: Decimal | None
    suppressed: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "value": None if self.value is None else str(self.value),
            "suppressed": self.suppressed,
        }


def is_small(value: Decimal) -> bool:
    """A count that must never be published or derivable: 1 to 4 (anything in (0, 5))."""
    return Decimal(0) < value < FIVE


def round_to_five(value: Decimal) -> Decimal:
    """Nearest multiple of 5, halves up."""
    return (value / FIVE).quantize(Decimal(1), rounding=ROUND_HALF_UP) * FIVE


def choose_suppressions(values: Mapping[K, Decimal], relations: Sequence[Relation[K]]) -> set[K]:
    """The cells to suppress: primary ones, then secondary ones to a safe fixed point."""
    suppressed = {cell for cell, value in values.items() if is_small(value)}
    while True:
        _secondary_fixed_point(values, relations, suppressed)
        determined = [cell for cell in _determined(relations, suppressed) if is_small(values[cell])]
        if not determined:
            return suppressed
        grew = False
        for cell in determined:
            for relation in relations:
                if cell in relation.cells:
                    extra = _complement(values, relation, suppressed)
                    if extra is not None:
                        suppressed.add(extra)
                        grew = True
                        break
        if not grew:
            # Nothing left to add around these cells: suppress every figure that touches them.
            for relation in relations:
                if any(cell in relation.cells for cell in determined):
                    suppressed.update(relation.cells)
            return suppressed


def publish(
    values: Mapping[K, Decimal], relations: Sequence[Relation[K]], *, sensitive: bool
) -> dict[K, Figure]:
    """The published figure of every cell; only sensitive indicators are controlled."""
    if not sensitive:
        return {cell: Figure(value) for cell, value in values.items()}
    suppressed = choose_suppressions(values, relations)
    return {
        cell: Figure(None, True) if cell in suppressed else Figure(round_to_five(value))
        for cell, value in values.items()
    }


def _needs_more(values: Mapping[K, Decimal], relation: Relation[K], suppressed: set[K]) -> bool:
    hidden = [cell for cell in relation.cells if cell in suppressed]
    if len(hidden) == 1:
        return True
    if relation.total not in suppressed:
        residual = sum((values[p] for p in relation.parts if p in suppressed), Decimal(0))
        return is_small(residual)
    return False


def _secondary_fixed_point(
    values: Mapping[K, Decimal], relations: Sequence[Relation[K]], suppressed: set[K]
) -> None:
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if _needs_more(values, relation, suppressed):
                extra = _complement(values, relation, suppressed)
                if extra is None:
                    continue
                suppressed.add(extra)
                changed = True


def _complement(values: Mapping[K, Decimal], relation: Relation[K], suppressed: set[K]) -> K | None:
    """The part to hide next: the smallest positive one (least information lost), else total."""
    parts = [p for p in relation.parts if p not in suppressed]
    if parts:
        return min(parts, key=lambda p: (values[p] == 0, values[p], repr(p)))
    if relation.total not in suppressed:
        return relation.total
    return None


def _determined(relations: Iterable[Relation[K]], suppressed: set[K]) -> list[K]:
    """Suppressed cells whose value follows exactly from the relations and published cells."""
    columns = sorted(suppressed, key=repr)
    index = {cell: i for i, cell in enumerate(columns)}
    rows: list[list[Fraction]] = []
    for relation in relations:
        row = [Fraction(0)] * len(columns)
        touched = False
        if relation.total in index:
            row[index[relation.total]] += 1
            touched = True
        for part in relation.parts:
            if part in index:
                row[index[part]] -= 1
                touched = True
        if touched:
            rows.append(row)
    pivots = _row_reduce(rows, len(columns))
    # A cell is determined iff its pivot row has no other non-zero entry.
    return [
        columns[col]
        for col, row in pivots.items()
        if all(value == 0 for c, value in enumerate(row) if c != col)
    ]


def _row_reduce(rows: list[list[Fraction]], width: int) -> dict[int, list[Fraction]]:
    pivots: dict[int, list[Fraction]] = {}
    remaining = [row[:] for row in rows]
    for col in range(width):
        pivot = next((r for r in remaining if r[col] != 0), None)
        if pivot is None:
            continue
        remaining.remove(pivot)
        scale = pivot[col]
        pivot = [value / scale for value in pivot]
        for other in [*remaining, *pivots.values()]:
            factor = other[col]
            if factor:
                for c in range(width):
                    other[c] -= factor * pivot[c]
        pivots[col] = pivot
    return pivots
