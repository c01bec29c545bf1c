"""Register the shared plugins (here rather than with -p, so plain `pytest` finds them too)."""

pytest_plugins = ["tests.plugins.impl", "tests.plugins.services"]
