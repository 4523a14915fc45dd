"""Use cases of the registry, each one commit through the unit of work."""
