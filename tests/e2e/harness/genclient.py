"""A Python client generated from the merged OpenAPI by openapi-python-client, and a checked caller.

The client is generated into a temporary directory at test time (never committed) and imported
under its own package name. ``Driver.call`` runs one operation through the generated
``asyncio_detailed`` function (with ``raise_on_unexpected_status``) and records, without
stopping the story, every way the document lets an integrator down: an operation the generator
dropped, a documented success the client cannot parse, a success parsed into no generated model.
The story goes on from the raw body so that one run names every failing operation.
"""

from __future__ import annotations

import enum
import importlib
import json
import re
import subprocess
import sys
import types
import typing
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

#: Placeholders differ between the document ({enterpriseId}) and Python names: compare without.
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_REQUEST = re.compile(r'"method": "(\w+)",\s*"url": "([^"]+)"')
_WARNING = re.compile(r"^WARNING parsing (\w+) (\S+) within \S+", re.MULTILINE)
#: Response media types whose schema the generator turns into a model (it also reads text/* and
#: octet-stream, as str and bytes); of those a response lists, the first one wins.
_READABLE = ("application/json",)


def _route(method: str, path: str) -> tuple[str, str]:
    return method.upper(), _PLACEHOLDER.sub("{}", path)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class Generated:
    """The imported generated package, its operations by route and what the generator said."""

    package: types.ModuleType
    document: dict[str, Any]
    output: str
    operations: dict[tuple[str, str], types.ModuleType] = field(default_factory=dict)
    warnings: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.package.__name__

    def models(self) -> types.ModuleType:
        return importlib.import_module(f"{self.name}.models")

    def client(self, base_url: str, token: str | None, **httpx_args: Any) -> Any:
        """A generated ``Client`` (anonymous) or ``AuthenticatedClient``, strict on statuses."""
        module = importlib.import_module(f"{self.name}.client")
        common = {
            "base_url": base_url,
            "raise_on_unexpected_status": True,
            "timeout": httpx.Timeout(60.0),
            "httpx_args": httpx_args,
        }
        if token is None:
            return module.Client(**common)
        return module.AuthenticatedClient(token=token, **common)

    def unexpected_status(self) -> type[Exception]:
        error: type[Exception] = importlib.import_module(f"{self.name}.errors").UnexpectedStatus
        return error

    def response(self, method: str, path: str, status: int) -> dict[str, Any]:
        """The response object the document declares for ``status`` ($ref resolved)."""
        responses = self.operation(method, path).get("responses", {})
        found = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or {}
        ref = found.get("$ref", "")
        if ref.startswith("#/components/responses/"):
            components = self.document.get("components", {}).get("responses", {})
            found = components.get(ref.rsplit("/", 1)[-1], {})
        response: dict[str, Any] = found
        return response

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The document's operation object (by its exact path template)."""
        item = self.document.get("paths", {}).get(path)
        if not item or method.lower() not in item:
            raise AssertionError(f"{method} {path}: not in the merged OpenAPI document")
        operation: dict[str, Any] = item[method.lower()]
        return operation


def generate(document: dict[str, Any], workdir: Path, package: str | None = None) -> Generated:
    """Run openapi-python-client on ``document`` into ``workdir`` and import the package."""
    package = package or f"streetlevel_generated_{uuid.uuid4().hex[:8]}"
    spec = workdir / "openapi.json"
    spec.write_text(json.dumps(document))
    config = workdir / "config.json"
    # No post hooks: formatting the generated code with ruff adds seconds and proves nothing.
    config.write_text(json.dumps({"package_name_override": package, "post_hooks": []}))
    target = workdir / package
    argv = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec)]
    argv += ["--output-path", str(target), "--config", str(config), "--meta", "none"]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"openapi-python-client failed ({run.returncode}):\n{output}"
    sys.path.insert(0, str(workdir))
    importlib.invalidate_caches()
    generated = Generated(importlib.import_module(package), document, output)
    for source in sorted((target / "api").glob("*/*.py")):
        found = _REQUEST.search(source.read_text())
        if found:
            module = importlib.import_module(f"{package}.api.{source.parent.name}.{source.stem}")
            generated.operations[_route(*found.groups())] = module
    blocks = _WARNING.split(output)
    for i in range(1, len(blocks) - 2, 3):
        generated.warnings[_route(blocks[i], blocks[i + 1])] = blocks[i + 2].strip()[:1500]
    return generated


def _coerce(value: Any, hint: Any) -> Any:
    """A plain test value (str, dict) as the type the generated signature wants."""
    if value is None:
        return None
    options = (
        typing.get_args(hint)
        if typing.get_origin(hint) in (typing.Union, types.UnionType)
        else (hint,)
    )
    for option in options:
        if not isinstance(option, type):
            continue
        if issubclass(option, enum.Enum) and not isinstance(value, enum.Enum):
            try:
                return option(value)
            except ValueError:
                continue
        if hasattr(option, "from_dict") and isinstance(value, dict):
            return option.from_dict(value)
        if option is uuid.UUID and isinstance(value, str):
            return uuid.UUID(value)
        if option is datetime and isinstance(value, str):
            return datetime.fromisoformat(value)
        if option is date and isinstance(value, str):
            return date.fromisoformat(value)
    return value


@dataclass
class Call:
    """One exchange: the generated client's parsed value and the raw body it came from."""

    route: str
    status: int
    parsed: Any
    raw: Any
    headers: httpx.Headers

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]


@dataclass
class Driver:
    """Calls the platform through the generated client and collects what the document broke."""

    gen: Generated
    base_url: str
    httpx_args: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    _last: httpx.Response | None = None

    def _client(self, token: str | None) -> Any:
        async def keep(response: httpx.Response) -> None:
            await response.aread()
            self._last = response

        hooks = {"response": [keep]}
        return self.gen.client(self.base_url, token, event_hooks=hooks, **self.httpx_args)

    def fail(self, route: str, why: str) -> None:
        self.failures.append(f"{route}: {why}")

    def report(self) -> str:
        """Each failing operation once, with its first reason."""
        first: dict[str, str] = {}
        for failure in self.failures:
            first.setdefault(failure.split(": ", 1)[0], failure)
        return "\n".join(f"  - {f}" for f in first.values())

    def failing(self) -> set[str]:
        return {f.split(": ", 1)[0] for f in self.failures}

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        *,
        expect: int,
        body: dict[str, Any] | None = None,
        **params: Any,
    ) -> Call:
        """``method path`` through its generated function; the status must be ``expect``."""
        route = f"{method} {path}"
        before = len(self.failures)
        module = self.gen.operations.get(_route(method, path))
        client = self._client(token)
        self._last = None
        async with client.get_async_httpx_client():
            if module is None:
                why = self.gen.warnings.get(_route(method, path), "no warning printed")
                self.fail(route, f"not generated by openapi-python-client:\n{why}")
                response = await self._raw(client, method, path, body, params)
                parsed = None
            else:
                parsed, response = await self._generated(route, module, client, body, params)
        assert response is not None, f"{route}: no response"
        raw = _body(response)
        assert response.status_code == expect, (
            f"{route}: {response.status_code} (wanted {expect}): {response.text[:1500]}"
            + (f"\nearlier document failures:\n{self.report()}" if self.failures else "")
        )
        if module is not None and not self.failures[before:]:
            self._check_model(method, path, response.status_code, parsed)
        if len(self.failures) == before:
            self.passed.append(route)
        return Call(route, response.status_code, parsed, raw, response.headers)

    async def _generated(
        self,
        route: str,
        module: types.ModuleType,
        client: Any,
        body: dict[str, Any] | None,
        params: dict[str, Any],
    ) -> tuple[Any, httpx.Response | None]:
        hints = typing.get_type_hints(module.asyncio_detailed)
        kwargs = {k: _coerce(v, hints.get(k, Any)) for k, v in params.items()}
        if body is not None:
            kwargs["body"] = _coerce(body, hints.get("body", Any))
        try:
            detailed = await module.asyncio_detailed(client=client, **kwargs)
        except self.gen.unexpected_status() as exc:
            self.fail(route, f"the generated client calls its {exc.status_code} unexpected")
            return None, self._last
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.fail(route, f"the response does not parse into its model: {exc!r}")
            return None, self._last
        return detailed.parsed, self._last

    async def _raw(
        self,
        client: Any,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, Any],
    ) -> httpx.Response:
        """The same request without the generated function (to go on with the story)."""
        names = re.findall(r"\{([^}]*)\}", path)
        url = path.format(**{n: params.pop(n) for n in names})
        query = {k.rstrip("_"): v for k, v in params.items() if v is not None}
        http = client.get_async_httpx_client()
        return await http.request(method, url, params=query, json=body)

    def _check_model(self, method: str, path: str, status: int, parsed: Any) -> None:
        """``parsed`` is an instance of the generated model the document declares."""
        route = f"{method} {path}"
        content = self.gen.response(method, path, status).get("content") or {}
        media = next((m for m in content if m in _READABLE or m.endswith("+json")), None)
        schema = content.get(media, {}).get("schema") if media else None
        if not schema:
            self.fail(route, f"its {status} declares no schema: the client returns {parsed!r:.80}")
            return
        if schema.get("type") == "array" and isinstance(parsed, list):
            schema, values = schema.get("items") or {}, parsed
        else:
            values = [parsed]
        for value in values:
            if not self._is_model(route, status, value, schema):
                return

    def _is_model(self, route: str, status: int, parsed: Any, schema: dict[str, Any]) -> bool:
        cls = type(parsed)
        generated = cls.__module__.startswith(f"{self.gen.name}.models.") and hasattr(
            cls, "from_dict"
        )
        if not generated:
            self.fail(route, f"its {status} parsed as {cls.__name__}, not a generated model")
            return False
        ref = schema.get("$ref", "")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            title = self.gen.document["components"]["schemas"].get(name, {}).get("title", name)
            if _squash(cls.__name__) not in (_squash(name), _squash(title)):
                self.fail(route, f"its {status} parsed as {cls.__name__}, declared as {name}")
                return False
        return True

    async def stream(
        self, method: str, path: str, token: str | None, media_type: str, **params: Any
    ) -> str:
        """A streamed body in ``media_type``: the request built by the generated module, the
        media type checked against the document (the generator reads one type per response)."""
        route = f"{method} {path} ({media_type})"
        module = self.gen.operations.get(_route(method, path))
        client = self._client(token)
        async with client.get_async_httpx_client() as http:
            if module is None:
                self.fail(route, "not generated by openapi-python-client")
                response = await self._raw(client, method, path, None, dict(params))
            else:
                hints = typing.get_type_hints(module.asyncio_detailed)
                kwargs = {k: _coerce(v, hints.get(k, Any)) for k, v in params.items()}
                request = module._get_kwargs(**kwargs)
                request.setdefault("headers", {})["Accept"] = media_type
                response = await http.request(**request)
        assert response.status_code == 200, f"{route}: {response.status_code} {response.text[:500]}"
        got = response.headers.get("content-type", "").split(";")[0].strip()
        assert got == media_type, f"{route}: answered {got}"
        before = len(self.failures)
        content = self.gen.response(method, path, 200).get("content") or {}
        if media_type not in content:
            self.fail(route, f"the document declares {sorted(content)} for its 200")
        elif media_type == "application/x-ndjson":
            self._check_items(route, content[media_type], response.text)
        if len(self.failures) == before:
            self.passed.append(route)
        return response.text

    def _check_items(self, route: str, media: dict[str, Any], text: str) -> None:
        """Each line of an NDJSON body parses into a generated model of its item schema."""
        schema = media.get("schema") or {}
        # OAS 3.2's itemSchema, an array's items, or a schema that describes each line.
        item = media.get("itemSchema") or schema.get("items") or schema
        if not item.get("$ref"):
            self.fail(route, "declares no item schema for its lines")
            return
        classes = self._models_of(item)
        if not classes:
            self.fail(route, f"no generated model for its item schema {item['$ref']}")
            return
        for line in filter(None, text.splitlines()):
            if not any(_parses(cls, json.loads(line)) for cls in classes):
                names = " | ".join(c.__name__ for c in classes)
                self.fail(route, f"a line does not parse into {names}: {line[:200]}")
                return

    def _models_of(self, schema: dict[str, Any]) -> list[type]:
        """The generated model classes a schema (a $ref, or a union of $refs) stands for."""
        ref = schema.get("$ref", "")
        if not ref:
            return []
        name = ref.rsplit("/", 1)[-1]
        target = self.gen.document["components"]["schemas"].get(name, {})
        members = target.get("anyOf") or target.get("oneOf")
        if members:
            return [cls for member in members for cls in self._models_of(member)]
        wanted = {_squash(name), _squash(target.get("title", name))}
        models = self.gen.models()
        return [c for n, c in vars(models).items() if isinstance(c, type) and _squash(n) in wanted]


def _parses(cls: type, value: Any) -> bool:
    try:
        cls.from_dict(value)  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return True


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    if "json" in response.headers.get("content-type", ""):
        return response.json()
    return response.text
