"""Area roll-ups: one additive cube per indicator over areas, periods and contracts.

Every public figure of an indicator comes from one cube protected as a whole, so figures
published by different routes (area reports, exports, contract progress) are consistent and
cannot be differenced against each other. ``ALL`` marks a total along a dimension.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from streetlevel.common.areas import AreaIndex, area_type
from streetlevel.common.disclosure import Figure, Relation, publish
from streetlevel.outcomes.domain.values import Period

ALL = "*"
DIRECT = "#direct"
Cell = tuple[str, str, str]  # (area, period, contract)


@dataclass(frozen=True)
class Contribution:
    """A verified figure: what one contract achieved in one area and period."""

    contract_id: str
    area: str
    period: Period
    value: Decimal


def period_key(period: Period) -> str:
    return f"{period.start.isoformat()}/{period.end.isoformat()}"


@dataclass
class Cube:
    """Exact cell values, the relations between them and the area tree used."""

    values: dict[Cell, Decimal]
    relations: list[Relation[Cell]]
    children: dict[str, list[str]]

    def publish(self, *, sensitive: bool) -> dict[Cell, Figure]:
        return publish(self.values, self.relations, sensitive=sensitive)


def _chain(areas: AreaIndex, code: str) -> list[str]:
    """The area and its ancestors, then the root."""
    return [code, *(a.code for a in areas.ancestors(code)), ALL]


def build_cube(contributions: Iterable[Contribution], areas: AreaIndex) -> Cube:
    """Sum contributions into every enclosing area, period total and contract total."""
    values: dict[Cell, Decimal] = defaultdict(Decimal)
    children: dict[str, set[str]] = defaultdict(set)
    for item in contributions:
        chain = _chain(areas, item.area)
        for child, parent in pairwise(chain):
            children[parent].add(child)
        periods = (period_key(item.period), ALL)
        contracts = (item.contract_id, ALL)
        for area in chain:
            for period in periods:
                for contract in contracts:
                    values[(area, period, contract)] += item.value
        # A figure reported at an area that also has sub-areas is kept apart as "direct".
        for period in periods:
            for contract in contracts:
                values[(item.area + DIRECT, period, contract)] += item.value
    tree = _finish_tree(values, children)
    return Cube(dict(values), _relations(values, tree), tree)


def _finish_tree(
    values: dict[Cell, Decimal], children: dict[str, set[str]]
) -> dict[str, list[str]]:
    """Keep a node's direct cell only when the node has sub-areas; sort children."""
    tree: dict[str, list[str]] = {}
    direct_cells = {cell for cell in values if cell[0].endswith(DIRECT)}
    for cell in direct_cells:
        node = cell[0].removesuffix(DIRECT)
        if node not in children:
            del values[cell]
    for node, kids in children.items():
        listed = sorted(kids)
        if any(c[0] == node + DIRECT for c in values):
            listed.append(node + DIRECT)
        tree[node] = listed
    return tree


def _relations(values: dict[Cell, Decimal], tree: dict[str, list[str]]) -> list[Relation[Cell]]:
    periods = sorted({c[1] for c in values} - {ALL})
    contracts = sorted({c[2] for c in values} - {ALL})
    nodes = sorted({c[0] for c in values})
    relations: list[Relation[Cell]] = []

    def add(total: Cell, parts: Iterable[Cell]) -> None:
        present = tuple(p for p in parts if p in values)
        if total in values and present:
            relations.append(Relation(total, present))

    for period in [*periods, ALL]:
        for contract in [*contracts, ALL]:
            for node, kids in tree.items():
                add((node, period, contract), ((k, period, contract) for k in kids))
                if area_type(node) == "lad":
                    # "LAD totals are summed from LSOAs" is published as its own relation.
                    leaves = _leaves(node, tree)
                    add((node, period, contract), ((k, period, contract) for k in leaves))
    for node in nodes:
        for contract in [*contracts, ALL]:
            add((node, ALL, contract), ((node, p, contract) for p in periods))
        for period in [*periods, ALL]:
            add((node, period, ALL), ((node, period, c) for c in contracts))
    return relations


def _leaves(node: str, tree: dict[str, list[str]]) -> list[str]:
    found: list[str] = []
    stack = list(tree.get(node, ()))
    while stack:
        child = stack.pop()
        if child in tree:
            stack.extend(tree[child])
        else:
            found.append(child)
    return sorted(found)
