"""Adapters layer of the commissioning service."""
