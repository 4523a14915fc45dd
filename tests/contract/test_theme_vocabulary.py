"""One theme vocabulary: every code the platform ships with is one of the registry's.

Commissioning and outcomes learn the list from ``registry.theme.v1`` at run time; what they
ship (the default indicator catalogue, the demo data) is checked here, where a test may look
at every service at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streetlevel.commissioning import demo as commissioning_demo
from streetlevel.outcomes.domain.catalogue import DEFAULT_CATALOGUE
from streetlevel.platform import demo as platform_demo
from streetlevel.registry.domain.themes import THEME_CODES, THEMES
from streetlevel.registry.service.themes import vars_of


def test_the_registry_offers_twelve_distinct_theme_codes() -> None:
    assert len(THEMES) == len(THEME_CODES) == 12


def test_every_default_indicator_is_tagged_with_registry_theme_codes() -> None:
    for indicator in DEFAULT_CATALOGUE:
        assert indicator.themes, f"{indicator.code} has no theme"
        assert set(indicator.themes) <= THEME_CODES, (indicator.code, indicator.themes)


def test_the_demo_commissions_and_enterprises_use_registry_theme_codes() -> None:
    timeline = commissioning_demo.timeline(datetime.now(UTC), timedelta(days=28))
    for procedure in ("open", "micro_grant"):
        body = commissioning_demo.commission("Demo", procedure, timeline, "jobs.local_hires")
        assert body["themes"]
        assert set(body["themes"]) <= THEME_CODES
    for enterprise in platform_demo.enterprises():
        assert set(enterprise["themes"]) <= THEME_CODES, enterprise["name"]


def test_a_theme_event_carries_exactly_the_public_theme_record() -> None:
    first = THEMES[0]
    assert vars_of(first) == {
        "code": first.code,
        "name": first.name,
        "description": first.description,
    }
