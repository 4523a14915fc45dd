"""Procurement Act notices: public OCDS releases; the council's Find a Tender submission queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from streetlevel.commissioning.adapters.notice_submission_repository import (
    NoticeSubmissionRepository,
)
from streetlevel.commissioning.api.deps import ServicesDep, json_response, single
from streetlevel.commissioning.api.schemas_notices import (
    NoticeCode,
    NoticePage,
    NoticeRead,
    OutcomeBody,
    Status,
    SubmissionPage,
    SubmissionRead,
    SubmittedBody,
)
from streetlevel.commissioning.domain.notice_submission import NoticeSubmission
from streetlevel.commissioning.service import notices
from streetlevel.commissioning.service.access import require_council
from streetlevel.common.errors import NotFound
from streetlevel.common.openapi import problems
from streetlevel.common.pagination import (
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
    public_url,
)
from streetlevel.common.service import CurrentPrincipal, requires

public = APIRouter(prefix="/v1/notices", tags=["notices"])
council = APIRouter(prefix="/v1/notice-submissions", tags=["notices"])


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _notice(s: NoticeSubmission, release: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": s.notice_id,
        "notice_type": s.notice_type,
        "commission_id": s.commission_id,
        "contract_id": s.contract_id,
        "published_at": _iso(s.published_at),
        "release_id": s.release_id,
        "release": release,
    }


def _submission(s: NoticeSubmission) -> dict[str, Any]:
    return {
        "id": s.notice_id,
        "notice_type": s.notice_type,
        "commission_id": s.commission_id,
        "contract_id": s.contract_id,
        "published_at": _iso(s.published_at),
        "release_id": s.release_id,
        "status": s.status,
        "reference": s.reference,
        "submitted_at": _iso(s.submitted_at),
        "decided_at": _iso(s.decided_at),
        "reason": s.reason,
    }


@public.get("", response_model=NoticePage)
async def list_notices(
    request: Request,
    services: ServicesDep,
    commission_id: str | None = None,
    notice_type: NoticeCode | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """Published notices, oldest first, each with its OCDS release (UK profile); public by law."""
    size = check_limit(limit)
    position = decode_cursor(cursor) or {}
    async with services.runtime.sessions() as session:
        repo = NoticeSubmissionRepository(session)
        items, nxt = await repo.page(
            filters={"commission_id": commission_id, "notice_type": notice_type},
            after=position.get("seq"),
            limit=size,
        )
        found = await repo.releases([s.release_id for s in items])
        bodies = [_notice(s, found.get(s.release_id, {})) for s in items]
    next_cursor = encode_cursor({"seq": nxt}) if nxt is not None else None
    return json_response(
        {"items": bodies, "next_cursor": next_cursor},
        headers=link_header(public_url(request), next_cursor),
    )


@public.get("/{notice_id}", response_model=NoticeRead)
async def get_notice(notice_id: str, request: Request, services: ServicesDep) -> Response:
    """One published notice with its OCDS release."""
    async with services.runtime.sessions() as session:
        repo = NoticeSubmissionRepository(session)
        found = await repo.get(notice_id)
        release = None if found is None else await repo.release(found.release_id)
    if found is None or release is None:
        raise NotFound("No such notice.")
    return single(request, _notice(found, release))


@council.get(
    "",
    dependencies=[requires("commissioning:write")],
    response_model=SubmissionPage,
    responses=problems(403),
)
async def list_submissions(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    status: Status | None = None,
    commission_id: str | None = None,
    limit: int | None = Query(default=None),
    cursor: str | None = None,
) -> Response:
    """The caller council's own notices and their Find a Tender submission status."""
    org, _area = require_council(principal)
    size = check_limit(limit)
    position = decode_cursor(cursor) or {}
    async with services.runtime.sessions() as session:
        items, nxt = await NoticeSubmissionRepository(session).page(
            filters={"buyer_id": org, "status": status, "commission_id": commission_id},
            after=position.get("seq"),
            limit=size,
        )
    next_cursor = encode_cursor({"seq": nxt}) if nxt is not None else None
    return json_response(
        {"items": [_submission(s) for s in items], "next_cursor": next_cursor},
        headers=link_header(public_url(request), next_cursor),
    )


@council.post(
    "/{notice_id}/submitted",
    dependencies=[requires("commissioning:write")],
    response_model=SubmissionRead,
    responses=problems(403, 404, 409, 422),
)
async def submitted(
    notice_id: str,
    body: SubmittedBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Record that the council's account submitted the notice (queued or rejected before)."""
    require_council(principal)
    s = await notices.record_submitted(services, principal, notice_id, reference=body.reference)
    return single(request, _submission(s))


@council.post(
    "/{notice_id}/outcome",
    dependencies=[requires("commissioning:write")],
    response_model=SubmissionRead,
    responses=problems(403, 404, 409, 422),
)
async def outcome(
    notice_id: str,
    body: OutcomeBody,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Record Find a Tender's decision on a submitted notice (a rejection needs its reason)."""
    require_council(principal)
    s = await notices.record_outcome(
        services,
        principal,
        notice_id,
        accepted=body.outcome == "accepted",
        reason=body.reason,
    )
    return single(request, _submission(s))
