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
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
FIVE = Decimal(5)
PRIME = 2**61 - 1  # a Mersenne prime


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
    """Suppressed cells whose value follows exactly from the relations and published cells.

    Sparse Gauss-Jordan elimination over the hidden cells, modulo a large prime: with
    coefficients of ±1 no denominator is a multiple of it, so a cell determined over the
    rationals is found here too (a spurious extra finding would only add suppression).
    """
    pivots: dict[K, dict[K, int]] = {}
    for relation in relations:
        row: dict[K, int] = {}
        if relation.total in suppressed:
            row[relation.total] = 1
        for part in relation.parts:
            if part in suppressed:
                row[part] = (row.get(part, 0) - 1) % PRIME
        row = {cell: value for cell, value in row.items() if value}
        for cell in [c for c in row if c in pivots]:
            _subtract(row, pivots[cell], row.get(cell, 0))
        if not row:
            continue
        pivot = min(row, key=repr)
        inverse = pow(row[pivot], PRIME - 2, PRIME)
        row = {cell: value * inverse % PRIME for cell, value in row.items()}
        for other in pivots.values():
            if pivot in other:
                _subtract(other, row, other[pivot])
        pivots[pivot] = row
    # In reduced row echelon form a cell is determined iff its pivot row is that cell alone.
    return [cell for cell, row in pivots.items() if len(row) == 1]


def _subtract(row: dict[K, int], pivot_row: dict[K, int], factor: int) -> None:
    """``row -= factor × pivot_row`` (mod PRIME), dropping zeros."""
    if not factor:
        return
    for cell, value in pivot_row.items():
        updated = (row.get(cell, 0) - factor * value) % PRIME
        if updated:
            row[cell] = updated
        else:
            row.pop(cell, None)
