"""Load the services plugin until tests/conftest.py registers it for the whole suite."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register tests.plugins.services unless the top-level conftest already did."""
    if not config.pluginmanager.has_plugin("tests.plugins.services"):
        config.pluginmanager.import_plugin("tests.plugins.services")
