"""Lab 05, Step 6: the PhotoOwners contract of tests/contracts/ on your RedisPhotoOwners."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.contracts.test_photo_owners import *  # noqa: F403 - every contract test, collected here


@pytest.fixture
def photo_owners(redis_url: str) -> Iterator[Any]:
    """The contract's adapter: RedisPhotoOwners on an empty Redis."""
    from photoapp.backends.photo_owners_redis import RedisPhotoOwners

    adapter = RedisPhotoOwners(redis_url)
    yield adapter
    adapter.close()
