"""Street Level registry service."""
