"""Street Level notifications service."""
