"""Fixtures of lab 02: Gunicorn stacks on the tree under test, with settings the test chooses.

photoapp is never imported here: the servers run the tree under test in their own processes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.lab02.serving import start_gunicorn
from workshop.services import Stack


def pytest_configure(config: pytest.Config) -> None:
    """Register tests.plugins.services (stack_factory) unless tests/conftest.py already did."""
    if not config.pluginmanager.has_plugin("tests.plugins.services"):
        config.pluginmanager.import_plugin("tests.plugins.services")


@pytest.fixture
def gunicorn(stack_factory: Callable[..., Stack], tmp_path: Path) -> Callable[..., Stack]:
    """Start Gunicorn app servers: gunicorn(servers=1, **PHOTOAPP_settings); stopped after.

    Two workers of two threads each unless a test says otherwise: enough to be real, few
    enough to boot fast on a laptop.
    """

    def start(servers: int = 1, **settings: str) -> Stack:
        settings = {"workers": "2", "threads": "2", **settings}
        env = {f"PHOTOAPP_{name.upper()}": value for name, value in settings.items()}
        return start_gunicorn(stack_factory, tmp_path / "stacks", servers, env)

    return start


@pytest.fixture
def good_settings(tmp_path: Path) -> dict[str, str]:
    """PHOTOAPP_* settings that can serve: a real secret, a SQLite file and a media folder."""
    return {
        "PHOTOAPP_SECRET_KEY": secrets.token_hex(32),
        "PHOTOAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'photoapp.db'}",
        "PHOTOAPP_MEDIA_DIR": str(tmp_path / "media"),
        "PHOTOAPP_WORKERS": "1",
        "PHOTOAPP_THREADS": "1",
    }
