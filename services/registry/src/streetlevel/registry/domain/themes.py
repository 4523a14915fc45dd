"""The fixed list of theme codes an enterprise or a commission is tagged with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Theme:
    code: str
    name: str
    description: str


THEMES: tuple[Theme, ...] = (
    Theme("employment-skills", "Employment and skills", "Jobs, training, apprenticeships."),
    Theme("health-wellbeing", "Health and wellbeing", "Physical and mental health, care."),
    Theme("youth", "Children and young people", "Youth work, early years, families."),
    Theme("older-people", "Older people", "Loneliness, ageing well, support at home."),
    Theme("environment", "Environment", "Climate, green spaces, recycling, energy."),
    Theme("housing", "Housing", "Homelessness, housing quality, tenancy support."),
    Theme("food", "Food", "Food poverty, community food, growing."),
    Theme("financial-inclusion", "Financial inclusion", "Debt advice, credit, benefits."),
    Theme("arts-culture", "Arts and culture", "Arts, heritage, creative participation."),
    Theme("community-cohesion", "Community cohesion", "Volunteering, community spaces."),
    Theme("transport", "Transport", "Community transport, active travel."),
    Theme("digital-inclusion", "Digital inclusion", "Devices, connectivity, digital skills."),
)
THEME_CODES = frozenset(t.code for t in THEMES)
