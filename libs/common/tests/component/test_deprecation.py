"""A route that declares its deprecation is flagged in OpenAPI and answers with the headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import httpx2
import pytest
from fastapi import APIRouter, FastAPI
from starlette.responses import JSONResponse

from streetlevel.common.deprecation import Deprecation

SINCE = datetime(2027, 1, 1, tzinfo=UTC)
SUNSET = datetime(2027, 7, 1, 12, 30, tzinfo=UTC)
OLD = Deprecation(since=SINCE, sunset=SUNSET, link="https://streetlevel.example/changes/v2")


def app() -> FastAPI:
    api = FastAPI()
    router = APIRouter()

    @OLD.route(router, "/v1/old")
    async def old() -> dict[str, str]:
        return {"still": "works"}

    @Deprecation(since=SINCE).route(router, "/v1/old-raw")
    async def old_raw() -> JSONResponse:
        return JSONResponse({"raw": True}, headers={"Link": '</v1/old-raw?page=2>; rel="next"'})

    @OLD.route(router, "/v1/old-write", methods=["POST"], status_code=201)
    async def old_write() -> dict[str, str]:
        return {"written": "yes"}

    @router.get("/v1/current")
    async def current() -> dict[str, str]:
        return {"fine": "yes"}

    api.include_router(router)
    return api


async def _get(path: str) -> httpx2.Response:
    transport = httpx2.ASGITransport(app=app())
    async with httpx2.AsyncClient(transport=transport, base_url="http://t.test") as http:
        return await http.get(path)


async def test_a_deprecated_operation_answers_with_deprecation_sunset_and_link() -> None:
    response = await _get("/v1/old")
    assert response.status_code == 200
    assert response.json() == {"still": "works"}
    # RFC 9745: a structured-field Date, "@" and seconds since the epoch.
    assert response.headers["deprecation"] == f"@{int(SINCE.timestamp())}"
    # RFC 8594: an HTTP-date.
    assert response.headers["sunset"] == "Thu, 01 Jul 2027 12:30:00 GMT"
    assert parsedate_to_datetime(response.headers["sunset"]) == SUNSET
    assert response.headers["link"] == (
        '<https://streetlevel.example/changes/v2>; rel="deprecation"; type="text/html"'
    )


async def test_the_headers_join_those_of_a_route_that_builds_its_own_response() -> None:
    response = await _get("/v1/old-raw")
    assert response.headers["deprecation"] == f"@{int(SINCE.timestamp())}"
    assert "sunset" not in response.headers
    assert response.headers.get_list("link") == ['</v1/old-raw?page=2>; rel="next"']


async def test_the_headers_survive_the_router_being_included_in_an_app_under_a_prefix() -> None:
    router = APIRouter()

    @OLD.route(router, "/old", summary="An old thing")
    async def old() -> dict[str, bool]:
        return {"old": True}

    api = FastAPI()
    api.include_router(router, prefix="/v1/things")
    transport = httpx2.ASGITransport(app=api)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t.test") as http:
        response = await http.get("/v1/things/old")
    assert response.headers["deprecation"] == f"@{int(SINCE.timestamp())}"
    operation = api.openapi()["paths"]["/v1/things/old"]["get"]
    assert operation["deprecated"] is True
    assert operation["summary"] == "An old thing"


async def test_an_operation_that_is_not_deprecated_sends_no_such_headers() -> None:
    response = await _get("/v1/current")
    assert "deprecation" not in response.headers
    assert "sunset" not in response.headers


def test_the_openapi_document_flags_only_the_deprecated_operations() -> None:
    paths = app().openapi()["paths"]
    old = paths["/v1/old"]["get"]
    assert old["deprecated"] is True
    assert old["x-sunset"] == "2027-07-01T12:30:00+00:00"
    assert old["x-deprecated-since"] == "2027-01-01T00:00:00+00:00"
    assert paths["/v1/old-raw"]["get"]["deprecated"] is True
    assert paths["/v1/old-write"]["post"]["deprecated"] is True
    assert "x-sunset" not in paths["/v1/old-raw"]["get"]
    assert "deprecated" not in paths["/v1/current"]["get"]


def test_dates_in_other_zones_are_sent_in_gmt() -> None:
    bst = timezone(timedelta(hours=1))
    headers = dict(
        Deprecation(
            since=datetime(2027, 6, 1, 1, 0, tzinfo=bst),
            sunset=datetime(2027, 12, 1, 1, 0, tzinfo=bst),
        ).headers()
    )
    assert headers["Deprecation"] == f"@{int(datetime(2027, 6, 1, tzinfo=UTC).timestamp())}"
    assert headers["Sunset"] == "Wed, 01 Dec 2027 00:00:00 GMT"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": datetime(2027, 1, 1)},  # naive: refused
        {"since": SINCE, "sunset": datetime(2027, 7, 1)},
        {"since": SUNSET, "sunset": SINCE},
        {"since": SINCE, "sunset": SINCE + timedelta(days=179)},
    ],
)
def test_naive_dates_and_a_sunset_without_180_days_notice_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"deprecat|sunset"):
        Deprecation(**kwargs)
