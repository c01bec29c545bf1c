"""The adapters each contract runs against. Adding an adapter is one line in a table below.

A factory gets pytest's `request`, so it can ask for any fixture it needs (a scratch folder,
a PostgreSQL server ...), and returns a fresh, empty adapter. photoapp is imported inside the
factories: the --impl plugin decides which tree's photoapp that is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

Factory = Callable[[pytest.FixtureRequest], Any]


def memory_repository(request: pytest.FixtureRequest) -> Any:
    """The executable definition of the Repository port."""
    from photoapp.backends.repository_memory import MemoryRepository

    return MemoryRepository()


def sqlite_repository(request: pytest.FixtureRequest) -> Any:
    """Lab 01: one SQLite file in the test's scratch folder."""
    from photoapp.backends.repository_sqlite import SqliteRepository

    return SqliteRepository(request.getfixturevalue("tmp_path") / "contract.db")


def postgres_repository(request: pytest.FixtureRequest) -> Any:
    """Lab 03: a fresh, empty database on the session's PostgreSQL server."""
    from photoapp.backends.repository_postgres import PostgresRepository

    return PostgresRepository(request.getfixturevalue("postgres_url"))


def memory_blob_store(request: pytest.FixtureRequest) -> Any:
    """The executable definition of the BlobStore port."""
    from photoapp.backends.blobstore_memory import MemoryBlobStore

    return MemoryBlobStore()


def local_blob_store(request: pytest.FixtureRequest) -> Any:
    """Files in a media folder in the test's scratch folder."""
    from photoapp.backends.blobstore_local import LocalBlobStore

    return LocalBlobStore(request.getfixturevalue("tmp_path") / "media")


def memory_cache(request: pytest.FixtureRequest) -> Any:
    """The executable definition of the Cache port."""
    from photoapp.backends.cache_memory import MemoryCache

    return MemoryCache()


def redis_cache(request: pytest.FixtureRequest) -> Any:
    """Lab 05: the session's Redis, flushed."""
    from photoapp.backends.cache_redis import RedisCache

    return RedisCache(request.getfixturevalue("redis_url"))


def memcached_cache(request: pytest.FixtureRequest) -> Any:
    """Lab 05's comparison: the session's Memcached, flushed."""
    from photoapp.backends.cache_memcached import MemcachedCache

    return MemcachedCache(request.getfixturevalue("memcached_url"))


def memory_photo_owners(request: pytest.FixtureRequest) -> Any:
    """The executable definition of the PhotoOwners port."""
    from photoapp.backends.photo_owners_memory import MemoryPhotoOwners

    return MemoryPhotoOwners()


def redis_photo_owners(request: pytest.FixtureRequest) -> Any:
    """Lab 05: hash buckets in the session's Redis, flushed."""
    from photoapp.backends.photo_owners_redis import RedisPhotoOwners

    return RedisPhotoOwners(request.getfixturevalue("redis_url"))


REPOSITORIES: dict[str, Factory] = {
    "memory": memory_repository,
    "sqlite": sqlite_repository,
    "postgres": postgres_repository,
}

BLOB_STORES: dict[str, Factory] = {
    "memory": memory_blob_store,
    "local": local_blob_store,
}

CACHES: dict[str, Factory] = {
    "memory": memory_cache,
    "redis": redis_cache,
    "memcached": memcached_cache,
}

PHOTO_OWNERS: dict[str, Factory] = {
    "memory": memory_photo_owners,
    "redis": redis_photo_owners,
}


@pytest.fixture(params=list(REPOSITORIES))
def repository(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh, empty Repository of each adapter in turn."""
    repo = REPOSITORIES[request.param](request)
    yield repo
    repo.close()


@pytest.fixture(params=list(BLOB_STORES))
def blob_store(request: pytest.FixtureRequest) -> Any:
    """A fresh, empty BlobStore of each adapter in turn."""
    return BLOB_STORES[request.param](request)


@pytest.fixture(params=list(CACHES))
def cache(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh, empty Cache of each adapter in turn."""
    adapter = CACHES[request.param](request)
    yield adapter
    adapter.close()


@pytest.fixture(params=list(PHOTO_OWNERS))
def photo_owners(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh, empty PhotoOwners map of each adapter in turn."""
    adapter = PHOTO_OWNERS[request.param](request)
    yield adapter
    adapter.close()
