"""Lab 02: check the settings once, before serving, so a bad value stops the start at once.

Your task is in labs/02-real-serving/README.md, section "Step 1: settings checked at start".
Settings.from_env() (photoapp/settings.py) already refuses values of the wrong type; here you
refuse values that cannot serve, with a SettingsError whose message names the variable.
"""

from __future__ import annotations

from collections.abc import Mapping

from photoapp.settings import Settings

GUIDE = "see labs/02-real-serving/README.md"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the PHOTOAPP_* variables and check them; raise SettingsError naming a bad one."""
    raise NotImplementedError(f"Lab 02: write load_settings in {__name__} ({GUIDE})")


def check_settings(settings: Settings) -> None:
    """Raise SettingsError, naming the variable, for the first value that cannot serve."""
    raise NotImplementedError(f"Lab 02: write check_settings in {__name__} ({GUIDE})")
