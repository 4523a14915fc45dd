"""Regenerate the checked-in contracts: ``uv run python -m tests.contract.update_snapshots``.

Writes every event type's JSON Schema to its service's package data
(services/<service>/src/streetlevel/<service>/schemas/events/) and the embedded platform's
merged OpenAPI document to tests/contract/openapi.json, then prints what changed compared
with the previous files, breaking changes first. Review the diff before committing it: a
breaking change to a published contract needs a new ``.vN`` event type or API version instead.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from pathlib import Path

from .compat import Report, openapi_changes, schema_changes
from .platform import merged_openapi
from .snapshots import (
    OPENAPI_FILE,
    checked_in_schemas,
    dump,
    event_classes,
    event_schema_path,
    load,
)


def update_events() -> dict[str, Report]:
    reports: dict[str, Report] = {}
    current = event_classes()
    for event_type, cls in sorted(current.items()):
        path = event_schema_path(event_type)
        path.parent.mkdir(parents=True, exist_ok=True)
        schema = cls.json_schema()
        if path.exists():
            reports[event_type] = schema_changes(load(path), schema)
        path.write_text(dump(schema), encoding="utf-8")
    for stale in checked_in_schemas().values():
        if stale.stem not in current:
            report = Report(breaking=[f"{stale.stem}: event type removed"])
            reports[stale.stem] = report
            stale.unlink()
    return reports


def update_openapi() -> Report | None:
    with tempfile.TemporaryDirectory(prefix="streetlevel-contract-") as data_dir:
        document = asyncio.run(merged_openapi(Path(data_dir)))
    report = openapi_changes(load(OPENAPI_FILE), document) if OPENAPI_FILE.exists() else None
    OPENAPI_FILE.write_text(dump(document), encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-only", action="store_true", help="skip the OpenAPI document")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    reports = update_events()
    if not args.events_only:
        openapi = update_openapi()
        if openapi is not None:
            reports["openapi.json"] = openapi
    for name, report in sorted(reports.items()):
        for line in report.breaking:
            print(f"BREAKING {name}: {line}")
        for line in report.additive:
            print(f"additive {name}: {line}")
    print(f"updated {len(event_classes())} event schemas under services/*/schemas/events/")


if __name__ == "__main__":
    main()
