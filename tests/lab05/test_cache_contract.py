"""Lab 05, Step 2: the Cache contract of tests/contracts/ on your RedisCache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.contracts.test_cache import *  # noqa: F403 - every contract test, collected here


@pytest.fixture
def cache(redis_url: str) -> Iterator[Any]:
    """The contract's adapter: RedisCache on an empty Redis."""
    from photoapp.backends.cache_redis import RedisCache

    adapter = RedisCache(redis_url)
    yield adapter
    adapter.close()
