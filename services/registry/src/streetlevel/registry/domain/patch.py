"""JSON Patch (RFC 6902) describing the difference between two JSON documents."""

from __future__ import annotations

from typing import Any

from streetlevel.common.patch import copy_json as _copy
from streetlevel.common.patch import merge_patch

__all__ = ["apply", "diff", "merge_patch"]


def _pointer(path: str, key: str) -> str:
    return f"{path}/{key.replace('~', '~0').replace('/', '~1')}"


def diff(before: dict[str, Any], after: dict[str, Any], path: str = "") -> list[dict[str, Any]]:
    """The add/remove/replace operations that turn ``before`` into ``after``.

    Objects are compared key by key (recursively); any other changed value, lists included,
    is replaced whole.
    """
    ops: list[dict[str, Any]] = []
    for key in before:
        if key not in after:
            ops.append({"op": "remove", "path": _pointer(path, key)})
    for key, new in after.items():
        where = _pointer(path, key)
        if key not in before:
            ops.append({"op": "add", "path": where, "value": new})
            continue
        old = before[key]
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            ops.extend(diff(old, new, where))
        else:
            ops.append({"op": "replace", "path": where, "value": new})
    return ops


def apply(document: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply add/remove/replace operations on object members (what ``diff`` produces)."""
    result: Any = _copy(document)
    for op in ops:
        keys = [k.replace("~1", "/").replace("~0", "~") for k in op["path"].split("/")[1:]]
        target = result
        for key in keys[:-1]:
            target = target[key]
        if op["op"] == "remove":
            del target[keys[-1]]
        else:
            target[keys[-1]] = _copy(op["value"])
    return dict(result)
