"""To pytest the service folder is a package, so its test modules get unique names."""
