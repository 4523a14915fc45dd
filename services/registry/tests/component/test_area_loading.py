"""Loading the ONS reference: the national file with counties, by CLI and function, idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from streetlevel.common.db import create_engine
from streetlevel.registry.adapters.areas import AreaCache
from streetlevel.registry.adapters.orm import areas
from streetlevel.registry.cli import load_areas, main
from streetlevel.registry.settings import RegistrySettings


async def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(areas.c.type, func.count()).group_by(areas.c.type))
            return {kind: n for kind, n in rows.all()}
    finally:
        await engine.dispose()


async def test_the_national_lookup_loads_with_counties_and_reloads_idempotently(
    tmp_path: Path, geography: Path
) -> None:
    settings = RegistrySettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/areas.db")
    national = geography / "lsoa21_ward24_lad24_england_wales.csv"
    counties = geography / "lads_england_2024.csv"
    loaded = await load_areas(settings, national, counties)
    first = await counts(settings.database_url)
    assert first["lsoa"] == 35_672
    assert first["county"] > 0
    assert sum(first.values()) == loaded
    assert await load_areas(settings, national, counties) == loaded
    assert await counts(settings.database_url) == first
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            index = await AreaCache().get(conn)
    finally:
        await engine.dispose()
    lancashire = index.related("E10000017")
    assert "E07000119" in lancashire  # Fylde
    assert "E06000009" not in lancashire  # Blackpool is unitary
    assert [a.code for a in index.ancestors("E07000119")] == ["E10000017"]


def test_the_cli_loads_an_area_list_into_the_configured_database(
    tmp_path: Path, geography: Path, monkeypatch, capsys
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    assert main(["areas", "load", str(geography / "areas_blackpool.csv")]) == 0
    assert "loaded 116 areas" in capsys.readouterr().out
