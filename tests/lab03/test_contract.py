"""Lab 03, Steps 2 and 3: the Repository contract of tests/contracts/, on PostgreSQL only.

The same tests that define the port for the memory and SQLite adapters, collected here with
`repository` bound to your PostgresRepository, so they count for lab 03.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts.test_repository import *  # noqa: F403 - every contract test, collected here


@pytest.fixture
def repository(repo: Any) -> Any:
    """The contract's adapter: a PostgresRepository on a fresh, empty database."""
    return repo
