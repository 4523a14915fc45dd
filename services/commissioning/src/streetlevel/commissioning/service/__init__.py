"""Service layer of the commissioning service."""
