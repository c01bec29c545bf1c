"""Fixtures of lab 05: CachedRepository over each repository and cache, stacks with Redis.

photoapp is imported inside fixtures and helpers, never at module level: the --impl plugin
decides which tree's photoapp is imported, and a stub must fail a test, not the collection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.contracts import conftest as contracts
from tests.lab05.stacks import start_stack
from workshop.services import Stack, StackSpec

BASES = {
    "memory": contracts.memory_repository,
    "sqlite": contracts.sqlite_repository,
    "postgres": contracts.postgres_repository,
}
CACHES = {"memory": contracts.memory_cache, "redis": contracts.redis_cache}


@pytest.fixture(params=[(b, c) for b in BASES for c in CACHES], ids=lambda p: f"{p[0]}+{p[1]}")
def cached_repository(request: pytest.FixtureRequest) -> Iterator[Any]:
    """CachedRepository over each repository (memory, SQLite, PostgreSQL) and cache in turn."""
    from photoapp.backends.repository_cached import CachedRepository

    base_name, cache_name = request.param
    cache = CACHES[cache_name](request)
    repo = CachedRepository(BASES[base_name](request), cache)
    yield repo
    repo.close()


@pytest.fixture
def memory_cached() -> Callable[..., Any]:
    """Build CachedRepository(repository, MemoryCache()) around a given repository."""

    def make(repository: Any, **options: Any) -> Any:
        from photoapp.backends.cache_memory import MemoryCache
        from photoapp.backends.repository_cached import CachedRepository

        return CachedRepository(repository, MemoryCache(), **options)

    return make


@pytest.fixture
def redis_stack(stack_factory: Callable[..., Stack]) -> Callable[..., Stack]:
    """Start a stack with the tree's Redis (deploy/redis.conf): redis_stack(app_servers=2)."""

    def start(**spec: Any) -> Stack:
        return start_stack(stack_factory, StackSpec(redis=True, app_server="gunicorn", **spec))

    return start
