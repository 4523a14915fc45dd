"""The UK OCDS profile validator for the native stack: libcoveocds, extensions served locally."""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .platform import ROOT

STANDARDS = ROOT.parent / "shared" / "standards" / "ocds"
_EXTENSION_URL = re.compile(
    r"https://raw\.githubusercontent\.com/[^/]+/ocds_([A-Za-z_]+)_extension/[^/]+/"
)


@contextmanager
def extension_server() -> Iterator[str]:
    """The vendored extensions over HTTP on 127.0.0.1 (libcoveocds accepts no file://)."""
    folder = STANDARDS / "extensions"
    assert folder.is_dir(), f"{folder} is missing: the UK profile cannot be validated"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def validate_uk(package: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """libcoveocds's report on a release package and the declared extensions it could not read."""
    from libcoveocds.config import LibCoveOCDSConfig
    from libcoveocds.schema import SchemaOCDS

    zipped = STANDARDS / "standard-1__1__5.zip"
    assert zipped.is_file(), f"{zipped} is missing"
    with extension_server() as base, tempfile.TemporaryDirectory() as workdir:
        local = {
            **package,
            "extensions": [_EXTENSION_URL.sub(f"{base}/\\1/", u) for u in package["extensions"]],
        }
        source = Path(workdir) / "package.json"
        source.write_text(json.dumps(local))
        cli = Path(sys.executable).parent / "libcoveocds"
        done = subprocess.run(
            [str(cli), "--standard-zip", str(zipped), str(source)],
            capture_output=True,
            check=True,
            timeout=300,
            cwd=workdir,
        )
        config = LibCoveOCDSConfig()
        config.config["standard_zip"] = f"file://{zipped}"
        schema = SchemaOCDS(None, local, config)
        schema.get_schema_obj()
        return json.loads(done.stdout), dict(schema.invalid_extension)
