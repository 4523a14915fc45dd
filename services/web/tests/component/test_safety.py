"""Everything escaped, a strict CSP, security headers and no cookies, on every page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .conftest import PAYLOAD_MISSION, PAYLOAD_NAME, Demo

CSP = re.compile(r"default-src 'none'")


class Active(HTMLParser):
    """Anything in a document that a browser would run: script, handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "img"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def active(html: str) -> list[str]:
    parser = Active()
    parser.feed(html)
    return parser.found


async def every_page(demo: Demo) -> list[str]:
    return [
        "/",
        "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/open-data",
        "/areas/E05015186",
        "/areas/E06000009",
        "/areas/E05015204",
        "/areas/E05015186/feed.atom",
        f"/enterprises/{demo.payload_id}",
        f"/commissions/{demo.commission_ids[0]}",
        f"/enterprises/{demo.dissolved_id}",
        "/areas/E05999999",
    ]


async def test_an_enterprise_whose_words_are_html_and_script_is_shown_as_text(demo: Demo) -> None:
    pages = {p: (await demo.site.get(p)) for p in await every_page(demo)}
    shown = 0
    for path, response in pages.items():
        text = response.text
        assert active(text) == [], path
        for raw in ("<script>", "<img src=x", "<svg onload", 'href="javascript:'):
            assert raw not in text, (path, raw)
        shown += "&lt;script&gt;alert(" in text
    assert shown >= 2, "the payload's name is on the area page and its own page, escaped"
    profile = pages[f"/enterprises/{demo.payload_id}"].text
    assert "&lt;svg onload=alert(2)&gt;" in profile
    assert PAYLOAD_NAME not in profile
    assert PAYLOAD_MISSION not in profile


async def test_every_page_sends_a_strict_csp_and_security_headers_and_no_cookie(
    demo: Demo,
) -> None:
    for path in [*await every_page(demo), "/site.css", "/livez"]:
        response = await demo.site.get(path)
        headers = response.headers
        csp = headers["content-security-policy"]
        assert CSP.search(csp), path
        assert "script-src" not in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "set-cookie" not in headers, path


async def test_no_page_has_script_or_inline_style(demo: Demo) -> None:
    for path in await every_page(demo):
        text = (await demo.site.get(path)).text
        assert "<script" not in text.lower(), path
        assert " style=" not in text.lower(), path
