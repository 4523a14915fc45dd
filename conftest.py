"""Root conftest: loads the shared test infrastructure plugin for every test tier."""

pytest_plugins = ["streetlevel.testing.pytest_plugin"]
