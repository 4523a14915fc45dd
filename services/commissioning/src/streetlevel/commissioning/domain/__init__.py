"""Domain layer of the commissioning service."""
