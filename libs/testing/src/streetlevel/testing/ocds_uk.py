"""The UK OCDS profile validator: libcoveocds, extensions served from the vendored copies."""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_EXTENSION_URL = re.compile(
    r"https://raw\.githubusercontent\.com/[^/]+/ocds_([A-Za-z_]+)_extension/[^/]+/"
)


@contextmanager
def extension_server(standards: Path) -> Iterator[str]:
    """The vendored extensions over HTTP on 127.0.0.1 (libcoveocds accepts no file://)."""
    folder = standards / "extensions"
    assert folder.is_dir(), f"{folder} is missing: the UK profile cannot be validated"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def localise(package: dict[str, Any], base: str) -> dict[str, Any]:
    """The package with every extension URL on the local server (the standards README's rule)."""
    return {
        **package,
        "extensions": [_EXTENSION_URL.sub(f"{base}/\\1/", url) for url in package["extensions"]],
    }


def validate_uk_profile(
    package: dict[str, Any], *, standards: Path, base: str, workdir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """libcoveocds's report on a release package and the declared extensions it could not read.

    ``standards`` is ``shared/standards/ocds``; ``base`` the URL of a running
    :func:`extension_server` over it; ``workdir`` an empty directory the CLI may write in.
    """
    from libcoveocds.config import LibCoveOCDSConfig
    from libcoveocds.schema import SchemaOCDS

    zipped = standards / "standard-1__1__5.zip"
    assert zipped.is_file(), f"{zipped} is missing"
    local = localise(package, base)
    source = workdir / "package.json"
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
