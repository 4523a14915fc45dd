"""Which subscriptions an event goes to: type, audience, then the subscription's filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from streetlevel.notifications.domain.subscriptions import Filters

AREA_LIST_KEYS = frozenset({"areas", "areas_served"})
AREA_KEYS = frozenset({"area", "area_code"})
MAX_DEPTH = 6


@dataclass(frozen=True)
class Facets:
    """What filters look at in an event: found anywhere in its data, and from its subject."""

    type: str
    audience: str | None = None
    areas: frozenset[str] = field(default_factory=frozenset)
    themes: frozenset[str] = field(default_factory=frozenset)
    commission_ids: frozenset[str] = field(default_factory=frozenset)
    contract_ids: frozenset[str] = field(default_factory=frozenset)


def facets_of(
    short_type: str, subject: str, data: dict[str, Any], audience: str | None = None
) -> Facets:
    """Areas, themes, commission and contract ids an event is about."""
    found: dict[str, set[str]] = {
        "areas": set(),
        "themes": set(),
        "commission": set(),
        "contract": set(),
    }
    _walk(data, found, 0)
    kind, _, ident = subject.rpartition("/")
    if kind in ("commission", "contract") and ident:
        found[kind].add(ident)
    return Facets(
        type=short_type,
        audience=audience,
        areas=frozenset(found["areas"]),
        themes=frozenset(found["themes"]),
        commission_ids=frozenset(found["commission"]),
        contract_ids=frozenset(found["contract"]),
    )


def _walk(value: Any, found: dict[str, set[str]], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            _walk(item, found, depth + 1)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key in AREA_LIST_KEYS and isinstance(item, list):
            found["areas"].update(c for c in item if isinstance(c, str))
        elif key in AREA_KEYS and isinstance(item, str):
            found["areas"].add(item)
        elif key == "themes" and isinstance(item, list):
            found["themes"].update(c for c in item if isinstance(c, str))
        elif key == "commission_id" and isinstance(item, str):
            found["commission"].add(item)
        elif key == "contract_id" and isinstance(item, str):
            found["contract"].add(item)
        else:
            _walk(item, found, depth + 1)


def type_wanted(patterns: Iterable[str], short_type: str) -> bool:
    """Exact types, or ``prefix.*`` for a family (``commissioning.commission.*``); none = all."""
    wanted = list(patterns)
    if not wanted:
        return True
    return any(
        short_type == p or (p.endswith(".*") and short_type.startswith(p[:-1])) for p in wanted
    )


def matches(
    filters: Filters,
    facets: Facets,
    *,
    owner: str,
    related: Callable[[str], set[str]],
) -> bool:
    """True when the subscription of ``owner`` with ``filters`` should receive the event.

    A private event (one with an audience) goes to its audience only, whatever the filters.
    ``related(code)`` is the area, every area in it and every area containing it, as register
    search matches (so a ward subscription hears of its LSOAs and its LAD's commissions).
    """
    if facets.audience is not None and facets.audience != owner:
        return False
    if not type_wanted(filters.event_types, facets.type):
        return False
    if filters.areas:
        wanted_areas: set[str] = set()
        for code in filters.areas:
            wanted_areas |= related(code)
        if not wanted_areas & facets.areas:
            return False
    if filters.themes and not set(filters.themes) & facets.themes:
        return False
    if filters.commission_id and filters.commission_id not in facets.commission_ids:
        return False
    return not (filters.contract_id and filters.contract_id not in facets.contract_ids)
