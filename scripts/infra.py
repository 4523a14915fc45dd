#!/usr/bin/env python3
"""CLI for the throwaway test PostgreSQL + Kafka: up / down / status / fetch --state-dir DIR."""

import sys
from pathlib import Path

# Import straight from the source tree so this runs with a bare python3, before any venv exists.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "libs" / "testing" / "src"))

from streetlevel.testing.infra import main

if __name__ == "__main__":
    sys.exit(main())
