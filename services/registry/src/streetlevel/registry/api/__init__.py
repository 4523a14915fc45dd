"""HTTP routes and schemas of the registry."""
