"""Integration tests of notifications on PostgreSQL; they share the component tier's helpers."""
