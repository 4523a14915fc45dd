"""The developers' front door: one table of entry points, rendered as HTML or as a JSON index.

Pure functions only (no framework): the routes in ``routes_front`` choose the representation.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from streetlevel.gateway.api.assets import ASSETS

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
NAME = "Street Level API"
ABOUT = (
    "Street Level is an open platform for hyper-local public services delivered by social "
    "enterprises. Councils commission services street by street. Community interest "
    "companies, co-operatives, charities and community groups find that work, bid for it and "
    "report what changed for people. This API publishes the register of social enterprises, "
    "the contracting record and the outcomes achieved."
)
HTML = "text/html"
JSON = "application/json"


@dataclass(frozen=True)
class Link:
    """One entry point: a stable key for the JSON index, where it is, what it is."""

    key: str
    path: str
    title: str
    type: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    heading: str
    intro: str
    links: tuple[Link, ...]


SECTIONS = (
    Section(
        "Read the documentation",
        "Every operation, its parameters, responses and errors, in one OpenAPI 3.1 document.",
        (
            Link("docs", "/docs", "Interactive documentation (Swagger UI)", HTML),
            Link("redoc", "/redoc", "Reference documentation (ReDoc)", HTML),
            Link("openapi", "/openapi.json", "OpenAPI 3.1 description", JSON),
        ),
    ),
    Section(
        "Download open data",
        "Anyone may read these without an account or a token. Each export is streamed.",
        (
            Link(
                "enterprises", "/v1/enterprises", "Search the register of social enterprises", JSON
            ),
            Link(
                "enterprises_export_csv",
                "/v1/enterprises/export?format=csv",
                "Register of social enterprises (CSV)",
                "text/csv",
            ),
            Link(
                "enterprises_export_ndjson",
                "/v1/enterprises/export?format=ndjson",
                "Register of social enterprises (NDJSON)",
                "application/x-ndjson",
            ),
            Link(
                "enterprises_export_hsds",
                "/v1/enterprises/export?format=hsds",
                "Organisations and their services (HSDS 3.0, Open Referral UK)",
                JSON,
            ),
            Link(
                "reports_export_csv",
                "/v1/reports/export?format=csv",
                "Outcomes achieved (CSV)",
                "text/csv",
            ),
            Link(
                "reports_export_ndjson",
                "/v1/reports/export?format=ndjson",
                "Outcomes achieved (NDJSON)",
                "application/x-ndjson",
            ),
            Link(
                "ocds_releases",
                "/v1/ocds/releases",
                "Contracting data (OCDS 1.1.5 release packages)",
                JSON,
            ),
        ),
    ),
    Section(
        "Follow changes",
        "Every public change as a CloudEvent, in order, from any position you choose.",
        (
            Link(
                "events",
                "/v1/events",
                "Change feed",
                JSON,
                "Pages of events; send Accept: text/event-stream for Server-Sent Events.",
            ),
        ),
    ),
    Section(
        "Get access",
        "Writing needs an API client from the platform operator. Exchange its credentials for "
        "a short-lived token with the OAuth 2.0 client credentials grant.",
        (
            Link(
                "oauth_metadata",
                "/.well-known/oauth-authorization-server",
                "OAuth 2.0 authorisation server metadata (RFC 8414)",
                JSON,
            ),
            Link(
                "token",
                "/oauth/token",
                "Token endpoint",
                JSON,
                "POST only, with grant_type=client_credentials.",
            ),
            Link("jwks", "/.well-known/jwks.json", "Token signing keys (JWKS)", JSON),
        ),
    ),
)
LINKS = tuple(link for section in SECTIONS for link in section.links)


def index(base_url: str) -> dict[str, Any]:
    """The JSON API index: every entry point by key, with absolute URLs under ``base_url``."""
    base = base_url.rstrip("/")
    links: dict[str, dict[str, str]] = {
        link.key: {"href": base + link.path, "title": link.title, "type": link.type}
        for link in LINKS
    }
    links["developers"] = {"href": base + "/developers", "title": "For developers", "type": HTML}
    return {
        "name": NAME,
        "description": ABOUT,
        "version": "v1",
        "licence": {"name": LICENCE, "href": LICENCE_URL},
        "links": links,
    }


def page() -> str:
    """The developers' page: plain English, no script, styles from one served file."""
    sections = "".join(_section(s) for s in SECTIONS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{NAME} – for developers</title>
<link rel="stylesheet" href="{ASSETS.url("developers.css")}">
<link rel="icon" type="image/png" href="{ASSETS.url("favicon.png")}">
<link rel="service-desc" type="{JSON}" href="/openapi.json">
<link rel="service-doc" type="{HTML}" href="/docs">
<link rel="license" href="{LICENCE_URL}">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="header"><p class="header__title">Street Level</p></header>
<main id="main" class="main">
<h1>{NAME}</h1>
<p class="lead">{escape(ABOUT)}</p>
<p>You can use it to build apps, maps and research on public services in your area. Reading
open data needs no account.</p>
{sections}<h2 id="licence">Licence</h2>
<p>Open data from this API is available under the
<a href="{LICENCE_URL}" rel="license">{LICENCE}</a>, except where otherwise stated.
Personal data is never published.</p>
<p>For programs, the same links are available as JSON: send <code>Accept: {JSON}</code>.</p>
</main>
</body>
</html>
"""


def _section(section: Section) -> str:
    items = "".join(_item(link) for link in section.links)
    return (
        f"<h2>{escape(section.heading)}</h2>\n<p>{escape(section.intro)}</p>\n"
        f'<ul class="links">\n{items}</ul>\n'
    )


def _item(link: Link) -> str:
    note = f' <span class="note">{escape(link.note)}</span>' if link.note else ""
    return (
        f'<li><a href="{escape(link.path)}">{escape(link.title)}</a> '
        f"<code>{escape(link.path)}</code>{note}</li>\n"
    )


def negotiate(accept: str | None, offers: tuple[str, ...]) -> str:
    """The offer the ``Accept`` header prefers (RFC 9110 §12.5.1); the first offer on a tie.

    A header that accepts none of the offers is disregarded (the first offer is served), as
    RFC 9110 permits, rather than answering 406 to a link someone followed.
    """
    ranges = []
    for part in (accept or "*/*").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((media, quality))
    best, best_q = offers[0], 0.0
    for offer in offers:
        q = _quality(offer, ranges)
        if q > best_q:
            best, best_q = offer, q
    return best


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    # The most specific range that matches decides (text/html beats text/* beats */*).
    kind = offer.split("/")[0]
    found: tuple[int, float] = (-1, 0.0)
    for media, quality in ranges:
        if media == offer:
            rank = 2
        elif media == f"{kind}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        if rank > found[0]:
            found = (rank, quality)
    return found[1]
