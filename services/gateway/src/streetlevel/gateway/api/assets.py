"""Static assets the gateway serves itself: Swagger UI and ReDoc (from fastapi-offline), ours.

Every asset URL carries a digest of the whole set (``/assets/<digest>/<name>``), so a response
may be cached for a year: a new release changes the digest and so every URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import fastapi_offline

#: Swagger UI, ReDoc and a favicon as the fastapi-offline package ships them (no CDN).
VENDOR_DIR = Path(fastapi_offline.__file__).parent / "static"
OWN_DIR = Path(str(resources.files("streetlevel.gateway.api") / "static"))
IMMUTABLE = "public, max-age=31536000, immutable"
#: An asset asked for under an older digest is served but not cached for long.
STALE = "public, max-age=60"
#: The one image ReDoc's bundle takes from a CDN (its "API docs by Redocly" logo). An empty
#: ``src`` loads nothing and fires ``error``, on which ReDoc hides the logo.
REDOC_CDN_LOGO = b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Asset:
    """One file's bytes, media type and strong ETag."""

    body: bytes
    media_type: str
    etag: str


class Assets:
    """A fixed set of files read once, named in URLs by the digest of the whole set."""

    def __init__(
        self, files: dict[str, Path], rewrites: dict[str, tuple[bytes, bytes]] | None = None
    ) -> None:
        self.files = files
        self.rewrites = rewrites or {}

    @cached_property
    def _loaded(self) -> dict[str, Asset]:
        loaded = {}
        for name, path in sorted(self.files.items()):
            body = path.read_bytes()
            if name in self.rewrites:
                body = body.replace(*self.rewrites[name])
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            loaded[name] = Asset(body, MEDIA_TYPES[path.suffix], etag)
        return loaded

    @cached_property
    def digest(self) -> str:
        whole = hashlib.sha256()
        for name, asset in self._loaded.items():
            whole.update(name.encode() + b"\0" + asset.etag.encode())
        return whole.hexdigest()[:16]

    def get(self, name: str) -> Asset | None:
        return self._loaded.get(name)

    def url(self, name: str) -> str:
        if name not in self.files:
            raise KeyError(name)
        return f"/assets/{self.digest}/{name}"


ASSETS = Assets(
    {
        "swagger-ui-bundle.js": VENDOR_DIR / "swagger-ui-bundle.js",
        "swagger-ui.css": VENDOR_DIR / "swagger-ui.css",
        "redoc.standalone.js": VENDOR_DIR / "redoc.standalone.js",
        "favicon.png": VENDOR_DIR / "favicon.png",
        "swagger-init.js": OWN_DIR / "swagger-init.js",
        "developers.css": OWN_DIR / "developers.css",
    },
    rewrites={"redoc.standalone.js": (REDOC_CDN_LOGO, b'src:""')},
)
