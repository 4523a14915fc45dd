"""Tables, repositories, queries and reference-data loaders of the registry."""
