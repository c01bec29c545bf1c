"""Lab 05, Steps 3 and 4: the Repository contract of tests/contracts/ on CachedRepository.

The same tests that define the Repository port, collected here with `repository` bound to your
CachedRepository over each repository (memory, SQLite, PostgreSQL) and each cache (memory,
Redis): caching never changes an answer.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts.test_repository import *  # noqa: F403 - every contract test, collected here


@pytest.fixture
def repository(cached_repository: Any) -> Any:
    """The contract's adapter: CachedRepository over a fresh, empty repository and cache."""
    return cached_repository
