"""Filters: event types and families, areas through the ONS hierarchy, themes, ids (pure)."""

from __future__ import annotations

from streetlevel.common.areas import load_reference
from streetlevel.notifications.domain.matching import Facets, facets_of, matches, type_wanted
from streetlevel.notifications.domain.subscriptions import Filters

from .support import ANCHORSHOLME, BISPHAM, BLACKPOOL, BLACKPOOL_AREAS, LSOA_A

AREAS = load_reference(BLACKPOOL_AREAS)
OWNER = "org:GB-LAE-BPL"


def published(areas: list[str], themes: list[str] | None = None) -> Facets:
    data = {"commission": {"id": "c-1", "themes": themes or [], "lots": [{"areas": areas}]}}
    return facets_of("commissioning.commission.published.v1", "commission/c-1", data)


def wants(filters: Filters, facets: Facets) -> bool:
    return matches(filters, facets, owner=OWNER, related=AREAS.related)


def test_types_match_exactly_or_by_family_and_no_types_means_all() -> None:
    kind = "commissioning.commission.published.v1"
    assert type_wanted([], kind)
    assert type_wanted([kind], kind)
    assert type_wanted(["commissioning.commission.*"], kind)
    assert not type_wanted(["commissioning.contract.*"], kind)
    assert not type_wanted(["commissioning.commission.published.v2"], kind)


def test_a_ward_subscription_hears_of_its_lsoas_and_of_its_whole_council_area() -> None:
    ward = Filters(areas=(ANCHORSHOLME,))
    assert wants(ward, published([ANCHORSHOLME]))
    assert wants(ward, published([LSOA_A]))  # inside the ward
    assert wants(ward, published([BLACKPOOL]))  # a commission for the whole LAD covers the ward
    assert not wants(ward, published([BISPHAM]))  # a neighbouring ward does not


def test_a_council_area_subscription_hears_of_every_ward_in_it() -> None:
    lad = Filters(areas=(BLACKPOOL,))
    assert wants(lad, published([BISPHAM]))
    assert wants(lad, published([LSOA_A]))
    assert not wants(lad, published(["E05000001"]))


def test_themes_commission_and_contract_filters_narrow() -> None:
    facets = published([ANCHORSHOLME], ["environment"])
    assert wants(Filters(themes=("environment", "health-wellbeing")), facets)
    assert not wants(Filters(themes=("health-wellbeing",)), facets)
    assert wants(Filters(commission_id="c-1"), facets)
    assert not wants(Filters(commission_id="c-2"), facets)
    assert not wants(Filters(contract_id="k-1"), facets)
    contract = facets_of(
        "commissioning.contract.activated.v1", "contract/k-1", {"contract_id": "k-1"}
    )
    assert wants(Filters(contract_id="k-1"), contract)


def test_a_private_event_matches_its_audience_only_whatever_the_filters() -> None:
    facets = facets_of("commissioning.commission.bids_received.v1", "commission/c-1", {}, OWNER)
    assert wants(Filters(), facets)
    assert not matches(Filters(), facets, owner="org:GB-LAE-FYL", related=AREAS.related)
