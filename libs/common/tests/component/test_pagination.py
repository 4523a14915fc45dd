"""Opaque cursors, limit bounds and the Link header of every list."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streetlevel.common.errors import ValidationProblem
from streetlevel.common.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    check_limit,
    decode_cursor,
    encode_cursor,
    link_header,
)


def test_a_cursor_round_trips_its_sort_key() -> None:
    values = {"updated_at": "2026-11-23T12:00:00Z", "id": "0193-abc", "n": 7, "name": "Café"}

    cursor = encode_cursor(values)

    assert decode_cursor(cursor) == values
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor: str | None) -> None:
    assert decode_cursor(cursor) is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "AAAA",
        "not a cursor",
        _b64(b"[1, 2]"),
        _b64(b'"just a string"'),
        _b64(b"{broken"),
        encode_cursor({"id": "abc"})[:-3],
        "é",
    ],
)
def test_a_tampered_cursor_is_a_validation_problem(cursor: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        decode_cursor(cursor)

    assert caught.value.status == 422
    assert caught.value.extensions["errors"][0]["loc"] == ["query", "cursor"]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_cursor_string_decodes_or_is_a_422(cursor: str) -> None:
    try:
        value = decode_cursor(cursor)
    except ValidationProblem:
        return
    assert value is None or isinstance(value, dict)


def test_no_limit_means_the_default() -> None:
    assert check_limit(None) == DEFAULT_LIMIT == 50


@pytest.mark.parametrize("limit", [1, 50, MAX_LIMIT])
def test_a_limit_within_bounds_is_kept(limit: int) -> None:
    assert check_limit(limit) == limit


@pytest.mark.parametrize("limit", [-1, 0, MAX_LIMIT + 1, 10_000])
def test_a_limit_out_of_bounds_is_a_422(limit: int) -> None:
    with pytest.raises(ValidationProblem) as caught:
        check_limit(limit)

    assert caught.value.status == 422
    assert caught.value.extensions["errors"][0]["loc"] == ["query", "limit"]
    assert MAX_LIMIT == 200


def test_the_link_header_replaces_the_cursor_and_keeps_other_parameters() -> None:
    url = "http://test/v1/enterprises?limit=10&cursor=old&q=food+bank&area=E06000009&empty="

    link = link_header(url, "next-page")["Link"]

    assert link.endswith('>; rel="next"')
    target = urlsplit(link[1 : link.index(">")])
    query = parse_qs(target.query, keep_blank_values=True)
    assert (target.scheme, target.netloc, target.path) == ("http", "test", "/v1/enterprises")
    assert query == {
        "limit": ["10"],
        "cursor": ["next-page"],
        "q": ["food bank"],
        "area": ["E06000009"],
        "empty": [""],
    }


def test_the_link_header_adds_a_cursor_to_a_bare_url() -> None:
    link = link_header("http://test/v1/events", "abc")["Link"]

    assert link == '<http://test/v1/events?cursor=abc>; rel="next"'


def test_the_last_page_has_no_link_header() -> None:
    assert link_header("http://test/v1/events?cursor=abc", None) == {}


def test_links_are_built_on_the_public_base_url_not_the_host_a_service_sees() -> None:
    from types import SimpleNamespace

    from starlette.requests import Request

    from streetlevel.common.pagination import public_url

    app = SimpleNamespace(state=SimpleNamespace(public_base_url="https://api.example.org/sl"))
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("registry", 8000),
        "path": "/v1/things",
        "query_string": b"limit=2",
        "headers": [(b"host", b"registry:8000")],
        "app": app,
    }

    link = link_header(public_url(Request(scope)), "next-page")["Link"]

    assert link == '<https://api.example.org/sl/v1/things?limit=2&cursor=next-page>; rel="next"'
