"""The embedded platform with its first-start demo (what ``make run`` serves), for uvicorn."""

from __future__ import annotations

from typing import Any

from streetlevel.platform.embedded import create_app as create_platform


def create_app() -> Any:
    return create_platform(demo=True)
