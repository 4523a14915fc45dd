"""Request and response bodies of the gateway's admin routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["council", "enterprise", "registrar", "app"]
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    scopes: list[str] | None = Field(default=None, description="default: the kind's scopes")
    org: str | None = Field(default=None, description="council org-id, e.g. GB-LAE-BPL")
    enterprise_id: str | None = None
    rate_limit: str | None = Field(default=None, description="e.g. 5000/minute")


class ClientRead(BaseModel):
    client_id: str
    name: str
    kind: str
    scopes: list[str]
    org: str | None
    area: str | None
    enterprise_id: str | None
    rate_limit: str | None
    created_at: datetime
    revoked_at: datetime | None


class ClientWithSecret(ClientRead):
    client_secret: str = Field(description="shown once; store it now")


class ClientPage(BaseModel):
    items: list[ClientRead]
    next_cursor: str | None


class CouncilCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: str = Field(pattern=r"^GB-LAE-[A-Z0-9]{2,10}$", examples=["GB-LAE-BPL"])
    name: str = Field(min_length=1, max_length=200)
    area: str = Field(pattern=r"^[EW]\d{8}$", examples=["E06000009"])


class CouncilRead(BaseModel):
    org_id: str
    name: str
    area: str
