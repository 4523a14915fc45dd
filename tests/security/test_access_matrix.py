"""Every route of the merged OpenAPI × six principals, against API.md's access table."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from streetlevel_e2e_harness.api import Api
from streetlevel_e2e_harness.blackpool import commission_body
from streetlevel_e2e_harness.world import World

PRINCIPALS = (
    "council",
    "other_council",
    "enterprise",
    "other_enterprise",
    "registrar",
    "anonymous",
)
DENIED = (401, 403, 404)

# One letter per principal, in PRINCIPALS order:
#   y  allowed (2xx)                 n  refused (401, 403 or 404)
#   f  answered, but filtered: no private value of the world appears in the body
#   -  not exercised here (a write the principal may make: the scenarios do it)
READS = {
    "GET /.well-known/jwks.json": "yyyyyy",
    "GET /.well-known/oauth-authorization-server": "yyyyyy",
    "GET /v1/admin/clients": "nnnnyn",
    "GET /v1/admin/clients/{client_id}": "nnnnyn",
    "GET /v1/admin/councils": "nnnnyn",
    "GET /v1/events": "ffffff",
    "GET /v1/commissions": "ffffff",
    "GET /v1/commissions/{commission_id}": "ffffff",
    "GET /v1/commissions/{commission_id}/questions": "ffffff",
    "GET /v1/commissions/{commission_id}/bids": "yfyfff",
    "GET /v1/commissions/{commission_id}/bids/{bid_id}": "yfyfff",
    "GET /v1/commissions/{commission_id}/lots/{lot_id}/ranking": "yfffff",
    # The world's lot was scored the old way (below threshold): no panel, so no summary yet.
    "GET /v1/commissions/{commission_id}/lots/{lot_id}/panel": "fnnnnn",
    "GET /v1/commissions/{commission_id}/lots/{lot_id}/summaries/{bidder_id}": "fnfnnn",
    "GET /v1/contracts": "ffffff",
    "GET /v1/contracts/{contract_id}": "ffffff",
    "GET /v1/contracts/{contract_id}/payments": "yfyfff",
    "GET /v1/contracts/{contract_id}/changes": "ffffff",
    # The parties see every payable; the rest the fixed schedule only (none here: outcomes).
    "GET /v1/contracts/{contract_id}/payables": "yfyfff",
    "GET /v1/payment-performance/{org_id}": "yyyyyy",
    "GET /v1/payment-performance/{org_id}/ocds": "yyyyyy",
    # Each principal sees its own webhooks and private events only; the world's is the council's.
    "GET /v1/webhooks": "yfffff",
    "GET /v1/webhooks/{webhook_id}": "ynnnnn",
    "GET /v1/webhooks/{webhook_id}/deliveries": "ynnnnn",
    "GET /v1/me/events": "yffffn",
    "GET /v1/notices": "ffffff",
    "GET /v1/notices/{notice_id}": "ffffff",
    "GET /v1/notice-submissions": "yfnnnn",
    "GET /v1/ocds/releases": "ffffff",
    "GET /v1/ocds/releases/{release_id}": "ffffff",
    "GET /v1/ocds/records/{ocid}": "ffffff",
    "GET /v1/indicators": "yyyyyy",
    "GET /v1/indicators/{code}": "yyyyyy",
    "GET /v1/plans": "yfyfff",
    "GET /v1/plans/{plan_id}": "yfyfff",
    "GET /v1/observations": "yfyfff",
    "GET /v1/observations/{observation_id}": "ynynnn",
    "GET /v1/reports/contracts/{contract_id}/progress": "yfyfff",
    "GET /v1/reports/contracts/{contract_id}/social-value": "yfyfff",
    "GET /v1/reports/areas/{code}": "ffffff",
    "GET /v1/reports/export": "ffffff",
    "GET /v1/enterprises/export": "ffffff",
    "GET /v1/enterprises": "ffffyf",
    "GET /v1/enterprises/{enterprise_id}": "ffyfyf",
    "GET /v1/enterprises/{enterprise_id}/history": "nnynyn",
    "GET /v1/enterprises/{enterprise_id}/social-enterprise-check": "ffyfyf",
    "GET /v1/areas": "yyyyyy",
    "GET /v1/areas/{code}": "yyyyyy",
    "GET /v1/themes": "yyyyyy",
    # Ward micro-grants: open data, except an application (its applicant and the council).
    "GET /v1/grant-programmes": "yyyyyy",
    "GET /v1/grant-programmes/{programme_id}": "yyyyyy",
    "GET /v1/grant-programmes/{programme_id}/decisions": "ffffff",
    "GET /v1/grant-applications": "yfyfff",
    "GET /v1/grant-applications/{application_id}": "ynynnn",
    "GET /v1/grants": "ffffff",
    "GET /v1/grants/360giving": "ffffff",
    "GET /v1/grants/{grant_id}": "ffffff",
}
WRITES = {
    "POST /oauth/token": "------",
    "POST /v1/admin/clients": "nnnn-n",
    "DELETE /v1/admin/clients/{client_id}": "nnnn-n",
    "POST /v1/admin/clients/{client_id}/secret": "nnnn-n",
    "POST /v1/admin/councils": "nnnn-n",
    "POST /v1/commissions": "--nnnn",
    "PATCH /v1/commissions/{commission_id}": "-nnnnn",
    "POST /v1/commissions/{commission_id}/publish": "-nnnnn",
    "POST /v1/commissions/{commission_id}/cancel": "-nnnnn",
    "POST /v1/commissions/{commission_id}/questions": "nn--nn",
    "POST /v1/commissions/{commission_id}/questions/{question_id}/answer": "-nnnnn",
    "POST /v1/commissions/{commission_id}/bids": "nn--nn",
    "PATCH /v1/commissions/{commission_id}/bids/{bid_id}": "nn-nnn",
    "POST /v1/commissions/{commission_id}/bids/{bid_id}/withdrawal": "nn-nnn",
    # The path's enterprise is the world's enterprise: only it may confirm (the scenarios do).
    "POST /v1/commissions/{commission_id}/bids/{bid_id}/members/{enterprise_id}/confirmation": (
        "nn-nnn"
    ),
    "PUT /v1/commissions/{commission_id}/bids/{bid_id}/score": "-nnnnn",
    "POST /v1/commissions/{commission_id}/lots/{lot_id}/award": "-nnnnn",
    "PUT /v1/commissions/{commission_id}/lots/{lot_id}/panel": "-nnnnn",
    "POST /v1/commissions/{commission_id}/lots/{lot_id}/panel/declarations": "-nnnnn",
    "POST /v1/commissions/{commission_id}/lots/{lot_id}/panel/members/{member_id}/release": (
        "-nnnnn"
    ),
    "PUT /v1/commissions/{commission_id}/lots/{lot_id}/panel/scores": "-nnnnn",
    "POST /v1/commissions/{commission_id}/lots/{lot_id}/panel/moderation": "-nnnnn",
    "PUT /v1/commissions/{commission_id}/lots/{lot_id}/panel/moderated": "-nnnnn",
    "POST /v1/contracts/{contract_id}/activate": "-nnnnn",
    "POST /v1/contracts/{contract_id}/terminate": "-nnnnn",
    "POST /v1/contracts/{contract_id}/complete": "-nnnnn",
    "POST /v1/contracts/{contract_id}/changes": "-nnnnn",
    "POST /v1/contracts/{contract_id}/termination": "-nnnnn",
    "POST /v1/notice-submissions/{notice_id}/submitted": "-nnnnn",
    "POST /v1/payables/{payable_id}/pay": "-nnnnn",
    "POST /v1/payables/{payable_id}/dispute": "-nnnnn",
    "POST /v1/payables/{payable_id}/resolve": "-nnnnn",
    "POST /v1/notice-submissions/{notice_id}/outcome": "-nnnnn",
    "POST /v1/webhooks": "-----n",
    "PATCH /v1/webhooks/{webhook_id}": "-nnnnn",
    "DELETE /v1/webhooks/{webhook_id}": "-nnnnn",
    "POST /v1/webhooks/{webhook_id}/ping": "-nnnnn",
    "POST /v1/webhooks/{webhook_id}/secret": "-nnnnn",
    "POST /v1/webhooks/{webhook_id}/replay": "-nnnnn",
    "POST /v1/indicators": "--nn-n",
    "PATCH /v1/indicators/{code}": "nnnn-n",
    "PATCH /v1/plans/{plan_id}": "-nnnnn",
    "POST /v1/observations": "nn-nnn",
    "POST /v1/observations/{observation_id}/verification": "-nnnnn",
    "POST /v1/observations/{observation_id}/verification-withdrawal": "-nnnnn",
    "POST /v1/enterprises": "----nn",
    "PATCH /v1/enterprises/{enterprise_id}": "nn-n-n",
    "POST /v1/enterprises/{enterprise_id}/verification": "nnnn-n",
    "POST /v1/enterprises/{enterprise_id}/suspension": "nnnn-n",
    "POST /v1/enterprises/{enterprise_id}/reinstatement": "nnnn-n",
    "POST /v1/enterprises/{enterprise_id}/dissolution": "nnnn-n",
    "POST /v1/grant-programmes": "--nnnn",
    "POST /v1/grant-programmes/{programme_id}/close": "-nnnnn",
    "POST /v1/grant-programmes/{programme_id}/decisions": "-nnnnn",
    "POST /v1/grant-applications": "nn--nn",
    "POST /v1/grants/{grant_id}/instalments/{no}/paid": "-nnnnn",
    "POST /v1/grants/{grant_id}/report": "nn-nnn",
}

CODES = {"/v1/areas/": "E05015186", "/v1/reports/areas/": "E05015186"}
PERIOD = {"start": "2030-01-01", "end": "2030-01-31"}
BODIES: dict[str, Any] = {
    "POST /v1/admin/clients": {"kind": "app", "name": "matrix"},
    "POST /v1/admin/councils": {"org_id": "GB-LAE-WYR", "name": "Wyre", "area": "E07000128"},
    "PATCH /v1/commissions/{commission_id}": {"title": "Taken over"},
    "POST /v1/commissions/{commission_id}/cancel": {"reason": "hostile"},
    "POST /v1/commissions/{commission_id}/questions": {"text": "Who else bid?"},
    "POST /v1/commissions/{commission_id}/questions/{question_id}/answer": {"answer": "No"},
    "POST /v1/commissions/{commission_id}/bids": {
        "lot_id": "lot-E05015186",
        "price": {"amount": "1.00", "currency": "GBP"},
        "proposal": "cheap",
    },
    "PATCH /v1/commissions/{commission_id}/bids/{bid_id}": {
        "price": {"amount": "1.00", "currency": "GBP"}
    },
    "PUT /v1/commissions/{commission_id}/bids/{bid_id}/score": {
        "quality": 0,
        "social_value": 0,
    },
    "POST /v1/commissions/{commission_id}/lots/{lot_id}/award": {},
    "PUT /v1/commissions/{commission_id}/lots/{lot_id}/panel": {
        "members": [{"id": "m1", "name": "Hostile", "role": "chair"}]
    },
    "POST /v1/commissions/{commission_id}/lots/{lot_id}/panel/declarations": {
        "member_id": "m1",
        "bidder_id": "x",
        "conflicted": False,
    },
    "PUT /v1/commissions/{commission_id}/lots/{lot_id}/panel/scores": {
        "member_id": "m1",
        "bidder_id": "x",
        "criterion": "quality",
        "score": 0,
        "reason": "hostile",
    },
    "PUT /v1/commissions/{commission_id}/lots/{lot_id}/panel/moderated": {
        "moderator_id": "m1",
        "bidder_id": "x",
        "criterion": "quality",
        "score": 0,
        "rationale": "hostile",
    },
    "POST /v1/contracts/{contract_id}/terminate": {"reason": "hostile"},
    "POST /v1/contracts/{contract_id}/changes": {
        "description": "hostile",
        "reason": "hostile",
        "value": {"amount": "1.00", "currency": "GBP"},
    },
    "POST /v1/contracts/{contract_id}/termination": {"reason": "hostile"},
    "POST /v1/notice-submissions/{notice_id}/submitted": {"reference": "hostile"},
    "POST /v1/payables/{payable_id}/pay": {"reference": "hostile"},
    "POST /v1/payables/{payable_id}/dispute": {"reason": "hostile"},
    "POST /v1/payables/{payable_id}/resolve": {"resolution": "hostile"},
    "POST /v1/notice-submissions/{notice_id}/outcome": {"outcome": "accepted"},
    "POST /v1/webhooks": {"url": "https://93.184.215.14/hostile"},
    "PATCH /v1/webhooks/{webhook_id}": {"status": "paused"},
    "POST /v1/webhooks/{webhook_id}/replay": {"from_position": 1},
    "POST /v1/indicators": {
        "code": "matrix.people_helped",
        "name": "People helped",
        "description": "matrix",
        "kind": "outcome",
        "unit": "people",
        "themes": ["employment"],
        "sensitive": True,
    },
    "PATCH /v1/indicators/{code}": {"name": "Renamed"},
    "PATCH /v1/plans/{plan_id}": {"assumptions": {"deadweight": 99}},
    "POST /v1/observations": {
        "plan_id": "{plan_id}",
        "indicator_code": "jobs.local_hires",
        "period": PERIOD,
        "area": "E05015186",
        "value": "500",
    },
    "POST /v1/observations/{observation_id}/verification": {"decision": "rejected"},
    "POST /v1/observations/{observation_id}/verification-withdrawal": {"reason": "hostile"},
    "POST /v1/enterprises": {
        "name": "Matrix Group",
        "legal_form": "unincorporated_association",
        "themes": ["youth"],
    },
    "PATCH /v1/enterprises/{enterprise_id}": {"name": "Hijacked"},
    "POST /v1/enterprises/{enterprise_id}/verification": {"decision": "rejected"},
    "POST /v1/enterprises/{enterprise_id}/suspension": {"reason": "hostile"},
    "POST /v1/enterprises/{enterprise_id}/reinstatement": {"reason": "hostile"},
    "POST /v1/enterprises/{enterprise_id}/dissolution": {"reason": "hostile"},
    "POST /v1/grant-programmes": {
        "title": "Hostile fund",
        "description": "hostile",
        "areas": ["E05015186"],
        "criteria": ["hostile"],
        "budget": {"amount": "1.00"},
        "max_grant": {"amount": "1.00"},
    },
    "POST /v1/grant-programmes/{programme_id}/decisions": {
        "method": "panel",
        "panel": ["Hostile"],
        "results": [{"application_id": "hostile", "result": "declined"}],
    },
    "POST /v1/grant-applications": {
        "programme_id": "hostile",
        "amount_requested": {"amount": "1.00"},
        "purpose": "hostile",
        "people_reached": 1,
    },
    "POST /v1/grants/{grant_id}/instalments/{no}/paid": {
        "paid_on": "2030-01-01",
        "reference": "hostile",
    },
    "POST /v1/grants/{grant_id}/report": {"what_happened": "hostile", "people_reached": 1},
}


def concrete(template: str, world: World) -> str:
    for prefix, code in CODES.items():
        if template.startswith(prefix):
            return template.replace("{code}", code)
    path = template.replace("{code}", "jobs.local_hires")
    return re.sub(r"\{(\w+)\}", lambda m: world.ids[m.group(1)], path)


async def routes(api: Api) -> set[str]:
    spec = (await api.get("/openapi.json", expect=200)).json()
    verbs = ("get", "post", "put", "patch", "delete")
    return {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops if m in verbs}


async def test_every_route_of_the_merged_openapi_has_an_access_rule(gateway: Api) -> None:
    listed = await routes(gateway)
    missing = listed - READS.keys() - WRITES.keys()
    assert not missing, f"routes without an access-matrix entry: {sorted(missing)}"
    assert not (READS.keys() | WRITES.keys()) - listed, "matrix entries for routes that are gone"


@pytest.mark.parametrize("route", sorted(READS))
async def test_reads_follow_the_access_table(gateway: Api, world: World, route: str) -> None:
    method, template = route.split(" ", 1)
    path = concrete(template, world)
    private = [*world.secrets.values()]
    failures = []
    for name, rule in zip(PRINCIPALS, READS[route], strict=True):
        resp = await gateway.call(method, path, world.principals[name])
        if rule == "y" and not 200 <= resp.status_code < 300:
            failures.append(f"{name}: {resp.status_code} (wanted 2xx) {resp.text[:300]}")
        if rule == "n" and resp.status_code not in DENIED:
            failures.append(f"{name}: {resp.status_code} (wanted 401/403/404)")
        if rule == "f":
            if resp.status_code >= 500 or resp.status_code in (400, 405, 422):
                failures.append(f"{name}: {resp.status_code}")
            leaked = [v for v in private if v in resp.text]
            if leaked:
                failures.append(f"{name}: private values leaked: {leaked}")
    assert not failures, f"{route}:\n" + "\n".join(failures)


@pytest.mark.parametrize("route", sorted(WRITES))
async def test_writes_are_refused_to_the_wrong_principal(
    gateway: Api, world: World, route: str
) -> None:
    method, template = route.split(" ", 1)
    path = concrete(template, world)
    body = BODIES.get(route)
    if isinstance(body, dict) and body.get("plan_id") == "{plan_id}":
        body = {**body, "plan_id": world.ids["plan_id"]}
    failures = []
    if route == "POST /v1/commissions":
        body = commission_body(datetime.now(UTC), enquiry_s=3600, tender_s=7200)
    for name, rule in zip(PRINCIPALS, WRITES[route], strict=True):
        if rule != "n":
            continue
        kwargs = {"json": body} if body is not None else {}
        resp = await gateway.call(method, path, world.principals[name], **kwargs)
        if resp.status_code not in DENIED:
            failures.append(f"{name}: {resp.status_code} {resp.text[:300]}")
    assert not failures, f"{route}:\n" + "\n".join(failures)


async def test_a_draft_and_a_pending_enterprise_are_seen_only_by_their_owners(
    gateway: Api, world: World
) -> None:
    draft = f"/v1/commissions/{world.draft_id}"
    pending = f"/v1/enterprises/{world.pending_id}"
    for name, actor in world.principals.items():
        got = await gateway.get(draft, actor)
        assert (got.status_code == 200) == (name == "council"), (name, got.status_code)
        seen = await gateway.get(pending, actor)
        assert (seen.status_code == 200) == (name in ("registrar",)), (name, seen.status_code)
