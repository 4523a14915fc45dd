"""Street Level shared mechanisms (never business rules)."""
