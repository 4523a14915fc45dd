"""Street Level outcomes service."""
