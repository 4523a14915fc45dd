"""The register's domain: enterprises, their rules and events (pure Python)."""
