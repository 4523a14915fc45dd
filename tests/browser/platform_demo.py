"""The embedded platform with its first-start demo (what ``make run`` serves), for uvicorn."""

from __future__ import annotations

from typing import Any

from streetlevel.gateway.app import create_app as create_gateway


def create_app() -> Any:
    return create_gateway(demo=True)
