"""Backward compatibility of JSON Schemas and OpenAPI documents: old (checked in) vs new.

A change is breaking when something a client or consumer relied on goes away or tightens: a
removed property, a newly required property, a changed type or format, a narrowed enum or
changed const; for OpenAPI also a removed path, operation, response code or media type, a
newly required parameter or request body, withdrawn anonymous access and a security requirement
that no longer suffices. Shared responses (``$ref``) are compared by what they say. Additions
(optional properties, enum values, paths, operations, responses) are compatible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass
class Report:
    """What changed: ``breaking`` fails the contract, ``additive`` is only worth a snapshot."""

    breaking: list[str] = field(default_factory=list)
    additive: list[str] = field(default_factory=list)


class _Side:
    """One document with its ``$ref`` resolution (``#/$defs/...`` or ``#/components/...``)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        seen: set[str] = set()
        ref = None
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node, ref


def _types(node: dict[str, Any]) -> frozenset[str]:
    kind = node.get("type")
    if isinstance(kind, list):
        return frozenset(kind)
    if isinstance(kind, str):
        return frozenset({kind})
    if "properties" in node:
        return frozenset({"object"})
    if "items" in node:
        return frozenset({"array"})
    return frozenset()


def _branch_key(side: _Side, node: Any) -> tuple[frozenset[str], str | None]:
    resolved, ref = side.resolve(node)
    if not isinstance(resolved, dict):
        return frozenset(), None
    types = _types(resolved)
    # Refs to different models of one type are told apart by the model's name.
    return types, (ref.rsplit("/", 1)[-1] if ref and types == {"object"} else None)


class SchemaDiff:
    """Compares two schemas that live in two documents (for ``$ref`` resolution)."""

    def __init__(self, old_root: dict[str, Any], new_root: dict[str, Any], report: Report) -> None:
        self.old = _Side(old_root)
        self.new = _Side(new_root)
        self.report = report
        self._open: set[tuple[str | None, str | None]] = set()

    def compare(self, old: Any, new: Any, where: str) -> None:
        old, old_ref = self.old.resolve(old)
        new, new_ref = self.new.resolve(new)
        key = (old_ref, new_ref)
        if key != (None, None):
            if key in self._open:  # a recursive model: its inner use is being compared already
                return
            self._open.add(key)
        try:
            if isinstance(old, dict) and isinstance(new, dict):
                self._compare(old, new, where)
        finally:
            self._open.discard(key)

    def _compare(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        if old.get("anyOf") or old.get("oneOf") or new.get("anyOf") or new.get("oneOf"):
            self._union(old, new, where)
            return
        self._scalar(old, new, where)
        self._object(old, new, where)
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{where}[]")
        if isinstance(old.get("additionalProperties"), dict):
            extra = new.get("additionalProperties")
            if isinstance(extra, dict):
                self.compare(old["additionalProperties"], extra, f"{where}{{*}}")
            elif extra is False:
                self._break(where, "no longer allows additional properties")
        for i, (o, n) in enumerate(zip(old.get("allOf", []), new.get("allOf", []), strict=False)):
            self.compare(o, n, f"{where}&{i}")

    def _break(self, where: str, what: str) -> None:
        self.report.breaking.append(f"{where or '<root>'}: {what}")

    def _scalar(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        old_types, new_types = _types(old), _types(new)
        if old_types and new_types and old_types != new_types:
            self._break(where, f"type changed from {sorted(old_types)} to {sorted(new_types)}")
        elif old_types and not new_types and new.get("enum") is None and "const" not in new:
            self.report.additive.append(f"{where}: type constraint dropped")
        if old.get("format") != new.get("format") and (old.get("format") or new.get("format")):
            self._break(where, f"format changed from {old.get('format')} to {new.get('format')}")
        old_enum, new_enum = _enum(old), _enum(new)
        if old_enum is not None:
            if new_enum is None:
                self.report.additive.append(f"{where}: enum lifted")
            else:
                missing = [v for v in old_enum if v not in new_enum]
                if missing:
                    self._break(where, f"enum narrowed: {missing!r} removed")
                added = [v for v in new_enum if v not in old_enum]
                if added:
                    self.report.additive.append(f"{where}: enum values {added!r} added")
        elif new_enum is not None:
            self._break(where, f"now restricted to {new_enum!r}")

    def _object(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_required = set(old.get("required") or ())
        new_required = set(new.get("required") or ())
        for name in old_props:
            if name not in new_props:
                self._break(f"{where}.{name}", "property removed")
        for name in sorted(new_required - old_required):
            what = "newly required" if name in old_props else "new required property"
            self._break(f"{where}.{name}", what)
        for name in sorted(set(new_props) - set(old_props) - new_required):
            self.report.additive.append(f"{where}.{name}: optional property added")
        for name, schema in old_props.items():
            if name in new_props:
                self.compare(schema, new_props[name], f"{where}.{name}")

    def _union(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        old_branches = old.get("anyOf") or old.get("oneOf") or [old]
        new_branches = new.get("anyOf") or new.get("oneOf") or [new]
        new_by_key: dict[Any, Any] = {}
        for branch in new_branches:
            new_by_key.setdefault(_branch_key(self.new, branch), branch)
        matched = set()
        for branch in old_branches:
            key = _branch_key(self.old, branch)
            partner = new_by_key.get(key)
            if partner is None:
                partner = next(
                    (b for k, b in new_by_key.items() if k[0] == key[0] and k not in matched), None
                )
            if partner is None:
                self._break(where, f"type changed: {sorted(key[0]) or 'any'} no longer accepted")
                continue
            matched.add(_branch_key(self.new, partner))
            self.compare(branch, partner, where)
        for key in set(new_by_key) - matched:
            self._break(where, f"type changed: {sorted(key[0]) or 'any'} now possible")


def _enum(node: dict[str, Any]) -> list[Any] | None:
    if "enum" in node:
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    return None


def schema_changes(old: dict[str, Any], new: dict[str, Any]) -> Report:
    """Compare two standalone JSON Schemas (each with its own ``$defs``)."""
    report = Report()
    SchemaDiff(old, new, report).compare(old, new, "")
    return report


def _parameters(operation: dict[str, Any], item: dict[str, Any]) -> dict[tuple[str, str], Any]:
    params = {}
    for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
        params[(param.get("in", ""), str(param.get("name", "")).lower())] = param
    return params


def _shape(path: str) -> str:
    # Path parameter names are not part of the contract a client codes against.
    return re.sub(r"\{[^}]+\}", "{}", path)


def openapi_changes(old: dict[str, Any], new: dict[str, Any]) -> Report:
    """Compare two OpenAPI 3.x documents, operation by operation."""
    report = Report()
    diff = SchemaDiff(old, new, report)
    new_paths = {_shape(p): item for p, item in new.get("paths", {}).items()}
    old_shapes = {_shape(p) for p in old.get("paths", {})}
    for path in sorted(set(new_paths) - old_shapes):
        report.additive.append(f"{path}: path added")
    for path, old_item in old.get("paths", {}).items():
        new_item = new_paths.get(_shape(path))
        if new_item is None:
            report.breaking.append(f"{path}: path removed")
            continue
        for method in METHODS:
            if method not in old_item:
                if method in new_item:
                    report.additive.append(f"{method.upper()} {path}: operation added")
                continue
            if method not in new_item:
                report.breaking.append(f"{method.upper()} {path}: operation removed")
                continue
            _operation(diff, old_item, new_item, method, f"{method.upper()} {path}")
    return report


def _operation(
    diff: SchemaDiff, old_item: dict[str, Any], new_item: dict[str, Any], method: str, where: str
) -> None:
    report = diff.report
    old_op, new_op = old_item[method], new_item[method]
    old_params, new_params = _parameters(old_op, old_item), _parameters(new_op, new_item)
    for key, param in new_params.items():
        before = old_params.get(key)
        if param.get("required") and (before is None or not before.get("required")):
            report.breaking.append(f"{where}: parameter {key[1]} ({key[0]}) newly required")
        elif before is None:
            report.additive.append(f"{where}: optional parameter {key[1]} added")
    for key, param in old_params.items():
        if key not in new_params:
            report.breaking.append(f"{where}: parameter {key[1]} ({key[0]}) removed")
        else:
            diff.compare(
                param.get("schema", {}),
                new_params[key].get("schema", {}),
                f"{where} param {key[1]}",
            )
    old_body, new_body = old_op.get("requestBody"), new_op.get("requestBody")
    if new_body is not None:
        if old_body is None:
            if new_body.get("required"):
                report.breaking.append(f"{where}: request body newly required")
        else:
            if new_body.get("required") and not old_body.get("required"):
                report.breaking.append(f"{where}: request body newly required")
            _content(diff, old_body, new_body, f"{where} body")
    old_responses, new_responses = old_op.get("responses", {}), new_op.get("responses", {})
    for code, old_response in old_responses.items():
        if code not in new_responses:
            report.breaking.append(f"{where}: response {code} removed")
            continue
        # Shared responses (#/components/responses/...) are compared by what they say.
        old_resolved, _ = diff.old.resolve(old_response)
        new_resolved, _ = diff.new.resolve(new_responses[code])
        _content(diff, old_resolved, new_resolved, f"{where} -> {code}")
    for code in set(new_responses) - set(old_responses):
        report.additive.append(f"{where}: response {code} added")
    _security(report, old_op, new_op, where)


def _security(report: Report, old_op: dict[str, Any], new_op: dict[str, Any], where: str) -> None:
    """Anonymous access withdrawn, or a scope a caller had enough of no longer enough: breaking."""
    if "security" not in old_op or "security" not in new_op:
        return
    old, new = old_op["security"], new_op["security"]
    if {} in old and {} not in new:
        report.breaking.append(f"{where}: anonymous access removed")
    elif {} not in old and {} in new:
        report.additive.append(f"{where}: anonymous access allowed")
    for requirement in old:
        # Still enough when some new alternative asks for no scheme or scope beyond it.
        if requirement and not any(
            alternative
            and all(
                set(v) <= set(requirement.get(k, ())) and k in requirement
                for k, v in alternative.items()
            )
            for alternative in new
        ):
            report.breaking.append(f"{where}: security {requirement} no longer enough")


def _content(diff: SchemaDiff, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
    old_content, new_content = old.get("content") or {}, new.get("content") or {}
    for media, media_old in old_content.items():
        if media not in new_content:
            diff.report.breaking.append(f"{where}: media type {media} removed")
            continue
        diff.compare(media_old.get("schema", {}), new_content[media].get("schema", {}), where)
