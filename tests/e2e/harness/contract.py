"""The published event contract as a consumer meets it: schemas fetched from the gateway."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jsonschema

from .api import Api

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "uv.lock").exists())
VALIDATOR = ROOT / "tests" / "contract" / "node" / "validate-asyncapi.cjs"


def asyncapi_errors(document: dict[str, Any]) -> list[dict[str, str]]:
    """The error diagnostics of the official AsyncAPI parser (tests/node) for ``document``."""
    node = shutil.which("node")
    assert node is not None, "node is missing: run scripts/ensure-node.sh"
    with tempfile.TemporaryDirectory(prefix="asyncapi-") as tmp:
        path = Path(tmp) / "asyncapi.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        done = subprocess.run(
            [node, str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    return [d for d in json.loads(done.stdout) if d["severity"] == "error"]


async def check_feed_against_published_schemas(api: Api, feed: list[dict[str, Any]]) -> set[str]:
    """Every feed event's ``data`` is valid against the schema its ``dataschema`` names.

    The schema is fetched at that URL from the gateway (never read from disk); the URL lies
    under the platform's public base URL, which must be the gateway the test talks to. Returns
    the event types checked.
    """
    base = str(api.http.base_url).rstrip("/")
    schemas: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for event in feed:
        url = event["dataschema"]
        short = event["type"].removeprefix("org.streetlevel.")
        assert url == f"{base}/schemas/events/{short}.json", f"{event['type']}: {url}"
        if url not in schemas:
            schemas[url] = (await api.get(url.removeprefix(base), expect=200)).json()
        validator = jsonschema.Draft202012Validator(
            schemas[url], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        failures += [
            f"{event['type']} {event['id']} {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(event["data"])
        ]
    assert failures == [], failures
    return {e["type"].removeprefix("org.streetlevel.") for e in feed}
