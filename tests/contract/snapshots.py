"""Where the contracts come from (event classes, the merged OpenAPI) and where they are kept."""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

from streetlevel.common.events import DomainEvent

HERE = Path(__file__).resolve().parent
ROOT = next(p for p in HERE.parents if (p / "uv.lock").exists())
OPENAPI_FILE = HERE / "openapi.json"
#: Why the OpenAPI snapshot changed, entry by entry, each with the snapshot's digest.
CHANGES_FILE = HERE / "CHANGES.md"
#: Each service's event schemas are package data, so the running platform serves these very
#: files at ``/schemas/events/<type>.json`` (byte for byte).
SCHEMA_DIRS = "services/*/src/streetlevel/*/schemas/events"


def service_event_modules() -> list[str]:
    """Every service's event modules (``domain/events.py``, ``domain/*_events.py``), on disk."""
    found = [
        *ROOT.glob("services/*/src/streetlevel/*/domain/events.py"),
        *ROOT.glob("services/*/src/streetlevel/*/domain/*_events.py"),
    ]
    return sorted(f"streetlevel.{p.parents[1].name}.domain.{p.stem}" for p in found)


def _subclasses(cls: type[DomainEvent]) -> list[type[DomainEvent]]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def event_classes() -> dict[str, type[DomainEvent]]:
    """Every concrete service event class by its ``event_type``."""
    modules = service_event_modules()
    for module in modules:
        importlib.import_module(module)
    services = tuple(m[: m.index(".domain.") + 1] for m in modules)
    classes: dict[str, type[DomainEvent]] = {}
    for cls in _subclasses(DomainEvent):
        event_type = cls.__dict__.get("event_type")
        if not cls.__module__.startswith(services) or not isinstance(event_type, str):
            continue  # an abstract base (no type of its own) or a test's own event
        if event_type in classes and classes[event_type] is not cls:
            raise AssertionError(f"{event_type} is defined twice: {classes[event_type]}, {cls}")
        classes[event_type] = cls
    return classes


def schema_dir(service: str) -> Path:
    """Where ``service`` keeps its event types' JSON Schemas (its package data)."""
    return ROOT / "services" / service / "src" / "streetlevel" / service / "schemas" / "events"


def event_schema_path(event_type: str) -> Path:
    """A type's schema lives with the service that owns it: the type's first segment."""
    return schema_dir(event_type.split(".", 1)[0]) / f"{event_type}.json"


def checked_in_schemas() -> dict[str, Path]:
    """Every checked-in event schema by its type."""
    return {path.stem: path for path in sorted(ROOT.glob(f"{SCHEMA_DIRS}/*.json"))}


def dump(document: dict[str, Any]) -> str:
    """Stable JSON for checked-in files: sorted keys, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def digest(snapshot: str) -> str:
    """The SHA-256 of a snapshot file's text, as CHANGES.md records it."""
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()
