"""Street Level gateway service."""
