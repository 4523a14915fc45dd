"""Contract fixtures: the embedded platform's merged OpenAPI document, built once."""

from __future__ import annotations

from typing import Any

import pytest

from .platform import merged_openapi


@pytest.fixture(scope="session")
async def merged_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``GET /openapi.json`` of a fresh embedded platform (no demo data)."""
    return await merged_openapi(tmp_path_factory.mktemp("contract-platform"))
