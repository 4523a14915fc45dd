"""OCDS 1.1.5 packages: their metadata, and the compiled release that merges a record's releases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from streetlevel.commissioning.adapters.notice_releases import UK_EXTENSIONS
from streetlevel.commissioning.domain.commission import iso

#: Lots and metrics, and the UK profile the notice releases (notice_releases.py) need: one
#: feed carries both, so every package declares them all.
EXTENSIONS = UK_EXTENSIONS
LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def merge(releases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release: OCDS merge (objects recursively, id'd arrays by id)."""
    compiled: dict[str, Any] = {}
    for release in sorted(releases, key=lambda r: r["date"]):
        compiled = _merge_obj(compiled, release)
    if compiled:
        compiled["id"] = f"{compiled['ocid']}-compiled"
        compiled["tag"] = ["compiled"]
    return compiled


def _merge_obj(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for key, value in new.items():
        if key == "tag":
            continue
        previous = out.get(key)
        if isinstance(value, dict) and isinstance(previous, dict):
            out[key] = _merge_obj(previous, value)
        elif (
            isinstance(value, list)
            and isinstance(previous, list)
            and value
            and all(isinstance(v, dict) and "id" in v for v in value)
        ):
            by_id = {item["id"]: item for item in previous if isinstance(item, dict)}
            order = [item.get("id") for item in previous if isinstance(item, dict)]
            for item in value:
                by_id[item["id"]] = _merge_obj(by_id.get(item["id"], {}), item)
                if item["id"] not in order:
                    order.append(item["id"])
            out[key] = [by_id[i] for i in order]
        else:
            out[key] = value
    return out


def package_meta(uri: str, published: datetime, *, base_url: str) -> dict[str, Any]:
    """A package's metadata; ``uri`` and every link lie under the public ``base_url``."""
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": list(EXTENSIONS),
        "publishedDate": iso(published),
        "publisher": {"name": "Street Level", "uri": base_url},
        "license": LICENSE,
        # The public site's open-data page (API.md), under the same base as everything else.
        "publicationPolicy": f"{base_url}/open-data",
    }
