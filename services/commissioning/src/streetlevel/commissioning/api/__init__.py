"""Api layer of the commissioning service."""
