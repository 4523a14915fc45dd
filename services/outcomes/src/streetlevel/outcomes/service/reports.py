"""Reports: progress, social value and area roll-ups, with disclosure control for the public."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from streetlevel.common.areas import AreaIndex, area_type
from streetlevel.common.disclosure import Figure
from streetlevel.outcomes.adapters import queries
from streetlevel.outcomes.domain.plans import ContractTerms, MeasurementPlan
from streetlevel.outcomes.domain.rollup import ALL, DIRECT, Cell, Contribution, Cube, build_cube
from streetlevel.outcomes.domain.sroi import pennies, social_value
from streetlevel.outcomes.domain.values import IndicatorData

ONE_PLACE = Decimal("0.1")


@dataclass
class Publication:
    """One indicator's protected cube: what every public figure of it is read from."""

    indicator: IndicatorData
    cube: Cube
    figures: dict[Cell, Figure]


class PublicationCache:
    """Protected cubes by their exact inputs: suppression is costly, its inputs change rarely."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], Publication] = OrderedDict()

    def get(
        self, indicator: IndicatorData, contributions: list[Contribution], areas: AreaIndex
    ) -> Publication:
        key = (indicator.model_dump_json(), id(areas), tuple(contributions))
        found = self._entries.get(key)
        if found is None:
            cube = build_cube(contributions, areas)
            found = Publication(indicator, cube, cube.publish(sensitive=indicator.sensitive))
            self._entries[key] = found
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        return found


async def publications(
    session: AsyncSession,
    *,
    catalogue: Mapping[str, IndicatorData],
    areas: AreaIndex,
    cache: PublicationCache,
) -> dict[str, Publication]:
    """Every indicator's verified figures, rolled up and protected as one publication."""
    found: dict[str, Publication] = {}
    for code, contributions in (await queries.verified_contributions(session)).items():
        indicator = catalogue.get(code)
        if indicator is not None:
            found[code] = cache.get(indicator, contributions, areas)
    return found


def _sum(rows: Sequence[Any], code: str, status: str) -> Decimal:
    return sum(
        (r.value for r in rows if r.indicator_code == code and r.status == status), Decimal(0)
    )


def elapsed_fraction(contract: ContractTerms, today: date) -> Decimal:
    """How much of the contract period has passed, from 0 to 1."""
    days = (contract.period.end - contract.period.start).days + 1
    done = (today - contract.period.start).days + 1
    return min(Decimal(1), max(Decimal(0), Decimal(done) / Decimal(days)))


def progress(
    *,
    plan: MeasurementPlan,
    contract: ContractTerms,
    catalogue: Mapping[str, IndicatorData],
    rows: Sequence[Any],
    published: Mapping[str, Publication],
    today: date,
    public: bool,
) -> dict[str, Any]:
    """Per indicator, outputs and outcomes apart: target, verified, unverified, % and on-track."""
    fraction = elapsed_fraction(contract, today)
    sections: dict[str, list[dict[str, Any]]] = {"outputs": [], "outcomes": []}
    for item in plan.indicators:
        indicator = catalogue.get(item.code)
        if indicator is None:
            continue
        target = sum((t.value for t in item.targets), Decimal(0)) if item.targets else None
        controlled = public and indicator.sensitive
        if controlled:
            publication = published.get(item.code)
            cell = (ALL, ALL, contract.id)
            figure = (
                publication.figures.get(cell, Figure(Decimal(0)))
                if publication
                else Figure(Decimal(0))
            )
            unverified: str | None = None
        else:
            figure = Figure(_sum(rows, item.code, "verified"))
            unverified = str(_sum(rows, item.code, "reported"))
        achieved = figure.value
        percent = on_track = None
        if target and achieved is not None:
            percent = str((achieved * 100 / target).quantize(ONE_PLACE))
            on_track = achieved >= target * fraction
        sections["outputs" if indicator.kind == "output" else "outcomes"].append(
            {
                "indicator_code": item.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "sensitive": indicator.sensitive,
                "target": None if target is None else str(target),
                "verified": figure.as_json(),
                "reported_unverified": unverified,
                "percent_of_target": percent,
                "on_track": on_track,
            }
        )
    return {
        "contract_id": contract.id,
        "plan_id": plan.id,
        "as_of": today.isoformat(),
        "elapsed_pct": str((fraction * 100).quantize(ONE_PLACE)),
        "disclosure_control": public,
        **sections,
    }


def _money(amount: Decimal, currency: str = "GBP") -> dict[str, str]:
    return {"amount": str(pennies(amount)), "currency": currency}


def social_value_report(
    *,
    plan: MeasurementPlan,
    contract: ContractTerms,
    catalogue: Mapping[str, IndicatorData],
    rows: Sequence[Any],
    published: Mapping[str, Publication],
    public: bool,
) -> dict[str, Any]:
    """Monetised value and SROI with every input shown (API.md formula)."""
    quantities: dict[str, Decimal] = {}
    hidden: set[str] = set()
    for item in plan.indicators:
        indicator = catalogue.get(item.code)
        if indicator is None:
            continue
        if public and indicator.sensitive:
            publication = published.get(item.code)
            figure = publication.figures.get((ALL, ALL, contract.id)) if publication else None
            if figure is not None and figure.value is None:
                hidden.add(item.code)
                continue
            quantities[item.code] = (
                figure.value if figure and figure.value is not None else Decimal(0)
            )
        else:
            quantities[item.code] = _sum(rows, item.code, "verified")
    proxies = {
        code: (catalogue[code].proxy_value.amount if catalogue[code].proxy_value else None)  # type: ignore[union-attr]
        for code in quantities
    }
    result = social_value(
        quantities=quantities,
        proxies=proxies,
        assumptions=plan.assumptions,
        contract_value=contract.value.amount,
    )
    return {
        "contract_id": contract.id,
        "plan_id": plan.id,
        "formula": (
            "I1 = Q × P × (1 − deadweight/100)(1 − displacement/100)(1 − attribution/100); "
            "It = It−1 × (1 − drop_off/100); PV = Σ It / (1 + discount_rate/100)^t; "
            "SROI = Σ PV ÷ contract value"
        ),
        "assumptions": plan.assumptions.model_dump(mode="json"),
        "contract_value": _money(contract.value.amount, contract.value.currency),
        "indicators": [
            {
                "indicator_code": v.code,
                "quantity": str(v.quantity),
                "proxy_value": (
                    catalogue[v.code].proxy_value.model_dump(mode="json")  # type: ignore[union-attr]
                    if v.monetised
                    else None
                ),
                "monetised": v.monetised,
                "yearly_impact": [_money(i) for i in v.yearly_impact],
                "present_value": _money(v.present_value),
            }
            for v in result.indicators
        ],
        "suppressed_indicators": sorted(hidden),
        "total_present_value": _money(result.total_present_value),
        "sroi_ratio": None if result.ratio is None else str(pennies(result.ratio)),
        "disclosure_control": public,
    }


def _node_type(areas: AreaIndex, node: str) -> str | None:
    code = node.removesuffix(DIRECT)
    known = areas.get(code)
    return known.type if known is not None else area_type(code)


def area_rows(publication: Publication, code: str, areas: AreaIndex) -> list[dict[str, Any]]:
    """The area and every area inside it, by period, for all contracts together."""
    cube = publication.cube
    nodes = sorted(
        {
            cell[0]
            for cell in cube.values
            if cell[0] != ALL and areas.contains(code, cell[0].removesuffix(DIRECT))
        }
    )
    periods = sorted({cell[1] for cell in cube.values} - {ALL})
    found = []
    for node in nodes:
        if (node, ALL, ALL) not in cube.values:
            continue
        plain = node.removesuffix(DIRECT)
        kind = _node_type(areas, node)
        known = areas.get(plain)
        found.append(
            {
                "area": plain,
                "name": known.name if known else None,
                "type": kind,
                "reported_at_this_level": node.endswith(DIRECT),
                "best_fit": kind == "ward",
                "periods": [
                    {
                        "period": {"start": p.split("/")[0], "end": p.split("/")[1]},
                        **publication.figures[(node, p, ALL)].as_json(),
                    }
                    for p in periods
                    if (node, p, ALL) in publication.figures
                ],
                "total": publication.figures[(node, ALL, ALL)].as_json(),
            }
        )
    return found


def export_rows(publication: Publication, areas: AreaIndex) -> Iterator[dict[str, Any]]:
    """Every published cell of one indicator (the open dataset), never an exact small count."""
    for (node, period, contract), figure in sorted(publication.figures.items()):
        if node == ALL:
            continue
        start, _, end = period.partition("/")
        kind = _node_type(areas, node)
        yield {
            "indicator_code": publication.indicator.code,
            "area": node.removesuffix(DIRECT),
            "area_type": kind,
            "reported_at_this_level": node.endswith(DIRECT),
            "best_fit": kind == "ward",
            "period_start": start if period != ALL else None,
            "period_end": end if period != ALL else None,
            "contract_id": contract if contract != ALL else None,
            "value": None if figure.value is None else str(figure.value),
            "suppressed": figure.suppressed,
        }
