"""``python -m streetlevel.registry.cli areas load FILE [--counties FILE]``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from streetlevel.common.db import create_engine
from streetlevel.common.settings import load_settings
from streetlevel.registry.adapters.areas import read_reference, store_areas
from streetlevel.registry.migrate import upgrade_async
from streetlevel.registry.settings import RegistrySettings


async def load_areas(
    settings: RegistrySettings, path: str | Path, counties: str | Path | None = None
) -> int:
    """Load (upsert) an ONS lookup or area list into the registry's database; returns the count."""
    if settings.is_sqlite:
        await upgrade_async(settings.database_url)
    index = read_reference(path, counties)
    engine = create_engine(settings.database_url)
    try:
        return await store_areas(engine, index.areas.values(), source=str(path))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="streetlevel.registry.cli", description=__doc__)
    commands = parser.add_subparsers(dest="group", required=True)
    areas = commands.add_parser("areas", help="the area reference").add_subparsers(
        dest="command", required=True
    )
    load = areas.add_parser("load", help="load an ONS best-fit lookup CSV or an area list")
    load.add_argument("file", type=Path)
    load.add_argument("--counties", type=Path, default=None, help="LAD → county list")
    args = parser.parse_args(argv)
    settings = load_settings(RegistrySettings)
    count = asyncio.run(load_areas(settings, args.file, args.counties))
    print(f"loaded {count} areas into {settings.database_url.split('@')[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
