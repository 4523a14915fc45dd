"""The one ETag scheme: version and digest tags, If-None-Match and If-Match."""

from __future__ import annotations

import pytest

from streetlevel.common.errors import PreconditionFailed
from streetlevel.common.etags import (
    digest_tag,
    expected_version,
    match,
    none_match,
    require_match,
    version_tag,
)


def test_tags_are_strong_quoted_and_name_a_version_or_a_digest() -> None:
    assert version_tag(7) == '"v7"'
    assert version_tag(7, "public") == '"v7-public"'
    assert digest_tag(b"raw") == digest_tag(b"raw") != digest_tag(b"other")
    assert digest_tag({"a": 1}) == digest_tag(b'{"a":1}')
    assert len(digest_tag(b"x")) == 34


def test_if_none_match_compares_weakly_and_takes_lists_and_any() -> None:
    assert none_match('"v7"', '"v7"')
    assert none_match('W/"v7"', '"v7"')
    assert none_match('"a", "v7"', '"v7"')
    assert none_match("*", '"v7"')
    assert not none_match('"v6"', '"v7"')
    assert not none_match(None, '"v7"')
    assert not none_match('"v7"', None)


def test_if_match_admits_the_current_tag_or_any_and_412s_otherwise() -> None:
    assert match(None, '"v2"')
    assert match('"v2"', '"v2"')
    assert match("*", '"v2"')
    assert not match('"v1"', '"v2"')
    require_match('"v2", "v3"', '"v3"')
    with pytest.raises(PreconditionFailed):
        require_match('"v1"', '"v2"')


def test_expected_version_reads_the_version_whatever_the_view() -> None:
    assert expected_version(None) is None
    assert expected_version("*") is None
    assert expected_version('"v4"') == 4
    assert expected_version('W/"v4-public"') == 4
    for stale in ('"4"', '"v4", "v5"', "garbage"):
        with pytest.raises(PreconditionFailed):
            expected_version(stale)
