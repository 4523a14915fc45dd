"""Street Level commissioning service."""
