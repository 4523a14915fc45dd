"""The people of the scenarios: councils, enterprises and the registrar, as API clients."""

from __future__ import annotations

from dataclasses import dataclass, field

from .api import Actor, Api

COUNCILS = {
    "GB-LAE-BPL": ("Blackpool Council", "E06000009"),
    "GB-LAE-LAN": ("Lancashire County Council", "E10000017"),
    "GB-LAE-FYL": ("Fylde Borough Council", "E07000119"),
}


@dataclass
class Cast:
    """Every actor of the platform by role."""

    registrar: Actor
    councils: dict[str, Actor]
    enterprises: dict[str, Actor] = field(default_factory=dict)

    @property
    def blackpool(self) -> Actor:
        return self.councils["GB-LAE-BPL"]

    @property
    def lancashire(self) -> Actor:
        return self.councils["GB-LAE-LAN"]


async def new_client(api: Api, admin: Actor, kind: str, name: str, **extra: str | None) -> Actor:
    """A client created through the admin API."""
    body = {"kind": kind, "name": name, **{k: v for k, v in extra.items() if v is not None}}
    resp = await api.post("/v1/admin/clients", admin, json=body, expect=201)
    data = resp.json()
    return Actor(
        name,
        kind,
        data["client_id"],
        data["client_secret"],
        org=data.get("org"),
        area=data.get("area"),
        enterprise_id=data.get("enterprise_id"),
    )


async def cast_from_admin(api: Api, admin: Actor, *, known_councils: set[str]) -> Cast:
    """Register the councils the admin does not know yet and a client for each."""
    for org, (name, area) in COUNCILS.items():
        if org not in known_councils:
            body = {"org_id": org, "name": name, "area": area}
            await api.post("/v1/admin/councils", admin, json=body, expect=201)
    councils = {
        org: await new_client(api, admin, "council", f"{name} app", org=org)
        for org, (name, _area) in COUNCILS.items()
    }
    return Cast(registrar=admin, councils=councils)
