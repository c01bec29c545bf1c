"""Fixtures of lab 04: Nginx, rendered from the tree's deploy/nginx.conf, over Gunicorn servers.

photoapp is never imported here: the servers run the tree under test in their own processes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.lab04.balancer import start_balanced
from workshop.services import Stack


@pytest.fixture
def balanced(
    stack_factory: Callable[..., Stack], impl_tree: Path, tmp_path: Path
) -> Callable[..., Stack]:
    """Start lab 04's stack: balanced(app_servers=2) -> Nginx over that many Gunicorn servers."""

    def start(app_servers: int = 2) -> Stack:
        return start_balanced(stack_factory, impl_tree, tmp_path, app_servers)

    return start
