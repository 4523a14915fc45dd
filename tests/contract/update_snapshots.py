"""Regenerate the checked-in contracts: ``uv run python -m tests.contract.update_snapshots``.

Writes every event type's JSON Schema to tests/contract/events/ and the embedded platform's
merged OpenAPI document to tests/contract/openapi.json, then prints what changed compared
with the previous files, breaking changes first. Review the diff before committing it: a
breaking change to a published contract needs a new ``.vN`` event type or API version instead.

Every change to the OpenAPI snapshot is recorded in tests/contract/CHANGES.md with a note
(``--note "why"``, required when the checker calls the change breaking) and the snapshot's
digest, which the contract tests compare with the checked-in snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import textwrap
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from .compat import Report, openapi_changes, schema_changes
from .platform import merged_openapi
from .snapshots import (
    CHANGES_FILE,
    EVENTS_DIR,
    OPENAPI_FILE,
    digest,
    dump,
    event_classes,
    event_schema_path,
    load,
)


def update_events() -> dict[str, Report]:
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    reports: dict[str, Report] = {}
    current = event_classes()
    for event_type, cls in sorted(current.items()):
        path = event_schema_path(event_type)
        schema = cls.json_schema()
        if path.exists():
            reports[event_type] = schema_changes(load(path), schema)
        path.write_text(dump(schema), encoding="utf-8")
    for stale in sorted(EVENTS_DIR.glob("*.json")):
        if stale.stem not in current:
            report = Report(breaking=[f"{stale.stem}: event type removed"])
            reports[stale.stem] = report
            stale.unlink()
    return reports


def build_openapi() -> tuple[dict[str, object], Report | None]:
    with tempfile.TemporaryDirectory(prefix="streetlevel-contract-") as data_dir:
        document = asyncio.run(merged_openapi(Path(data_dir)))
    report = openapi_changes(load(OPENAPI_FILE), document) if OPENAPI_FILE.exists() else None
    return document, report


def _kind(line: str) -> str:
    """What a change is, without where: ``response 400 removed``, ``property removed``."""
    return line.split(": ", 1)[-1]


def record(note: str, report: Report, snapshot: str) -> None:
    """Append the change, its note and the new snapshot's digest to CHANGES.md."""
    lines = [f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n", textwrap.fill(note, 100), ""]
    for label, found in (("Breaking", report.breaking), ("Compatible", report.additive)):
        if found:
            kinds = Counter(_kind(line) for line in found)
            summary = ", ".join(f"{kind} ×{n}" for kind, n in kinds.most_common(12))
            lines.append(f"- {label} ({len(found)}): {summary}")
    lines.append(f"- snapshot: `sha256:{digest(snapshot)}`")
    with CHANGES_FILE.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-only", action="store_true", help="skip the OpenAPI document")
    parser.add_argument("--note", help="why the contract changed (required when breaking)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    document, openapi = (None, None) if args.events_only else build_openapi()
    if openapi is not None and openapi.breaking and not args.note:
        for line in openapi.breaking:
            print(f"BREAKING openapi.json: {line}")
        sys.exit("breaking OpenAPI changes: record why with --note (nothing was written)")
    reports = update_events()
    if document is not None:
        snapshot = dump(document)
        OPENAPI_FILE.write_text(snapshot, encoding="utf-8")
        if openapi is not None:
            reports["openapi.json"] = openapi
            if openapi.breaking or openapi.additive or args.note:
                record(args.note or "compatible additions", openapi, snapshot)
    for name, report in sorted(reports.items()):
        for line in report.breaking:
            print(f"BREAKING {name}: {line}")
        for line in report.additive:
            print(f"additive {name}: {line}")
    print(f"updated {len(event_classes())} event schemas under {EVENTS_DIR}")


if __name__ == "__main__":
    main()
