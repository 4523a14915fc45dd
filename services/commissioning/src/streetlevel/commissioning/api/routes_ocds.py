"""OCDS 1.1.5 release packages, single releases and record packages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters import ocds_package, queries
from streetlevel.commissioning.api.deps import ServicesDep, json_response
from streetlevel.commissioning.api.schemas import RecordPackage, ReleasePackage
from streetlevel.common.errors import NotFound
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)

router = APIRouter(prefix="/v1/ocds", tags=["ocds"])


@router.get("/releases", response_model=ReleasePackage)
async def release_package(
    request: Request,
    services: ServicesDep,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
    ocid: str | None = None,
) -> Response:
    """A release package, oldest first, paged by cursor.

    Payments appear as ``implementation.transactions`` per period with the public figures of
    ``/v1/contracts/{id}/payments`` (``value.amount`` null when a sensitive part of the period
    is suppressed). Achieved figures appear in ``implementation.metrics`` (metrics extension):
    verified units paid per rate-card indicator, one observation per period and one for the
    whole contract; for ``sensitive`` indicators 1–4 are suppressed (``measure`` null), a
    figure whose suppression could be undone by differencing against the whole is suppressed
    too, and the rest are rounded to the nearest 5 (``notes`` says which). A release is written
    only when a public figure changes.
    """
    size = check_limit(limit)
    position = decode_cursor(cursor) or {}
    async with services.runtime.sessions() as session:
        releases, nxt = await queries.list_releases(
            session, after=position.get("seq"), limit=size, ocid=ocid
        )
    next_cursor = encode_cursor({"seq": nxt}) if nxt is not None else None
    published = _published(releases, services.clock.now())
    body = {
        **ocds_package.package_meta(
            public_url(request), published, base_url=services.settings.public_base_url
        ),
        "releases": releases,
    }
    # The next page travels in the Link header: the 1.1 package schema has no paging field.
    return json_response(body, headers=link_header(public_url(request), next_cursor))


@router.get("/releases/{release_id}", response_model=ReleasePackage)
async def release(release_id: str, request: Request, services: ServicesDep) -> Response:
    """One release, wrapped in a release package."""
    async with services.runtime.sessions() as session:
        found = await queries.release_by_id(session, release_id)
    if found is None:
        raise NotFound("No such release.")
    published = _published([found], services.clock.now())
    return json_response(
        {
            **ocds_package.package_meta(
                public_url(request), published, base_url=services.settings.public_base_url
            ),
            "releases": [found],
        }
    )


@router.get("/records/{ocid}", response_model=RecordPackage)
async def record(ocid: str, request: Request, services: ServicesDep) -> Response:
    """The record package of one contracting process, with its compiled release."""
    async with services.runtime.sessions() as session:
        releases = await queries.releases_for(session, ocid)
    if not releases:
        raise NotFound("No such contracting process.")
    meta = ocds_package.package_meta(
        public_url(request),
        _published(releases, services.clock.now()),
        base_url=services.settings.public_base_url,
    )
    return json_response(
        {
            **meta,
            "records": [
                {
                    "ocid": ocid,
                    "releases": releases,
                    "compiledRelease": ocds_package.merge(releases),
                }
            ],
        }
    )


def _published(releases: list[dict[str, Any]], now: datetime) -> datetime:
    """The latest release's date (OCDS's rule on demand; the package keeps its ETag)."""
    dates = [
        datetime.fromisoformat(str(r["date"]).replace("Z", "+00:00"))
        for r in releases
        if r.get("date")
    ]
    return max(dates, default=now)
