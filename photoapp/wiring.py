"""Pick adapters by name from settings: the only place that knows every backend."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from photoapp import images
from photoapp.id_layout import MAX_SHARD
from photoapp.ports import BlobStore, Cache, IdGenerator, PhotoOwners, Repository
from photoapp.services import PhotoService
from photoapp.settings import Settings, SettingsError

MEMORY = "memory://"
ID_CHOICES = ("counter", "snowflake")  # lab 08: who numbers new users and photos


def build_repository(settings: Settings) -> Repository:
    """Return the repository the database URL names."""
    url = settings.database_url
    if url == MEMORY:
        from photoapp.backends.repository_memory import MemoryRepository

        new_id = build_new_id(settings)
        return MemoryRepository(new_id) if new_id else MemoryRepository()
    if url.startswith("sqlite:///"):
        from photoapp.backends.repository_sqlite import SqliteRepository

        path = Path(url.removeprefix("sqlite:///"))
        new_id = build_new_id(settings)
        # Lab 08: SQLite cannot call Python for a column default, so the repository asks.
        return SqliteRepository(path, new_id) if new_id else SqliteRepository(path)
    if url.startswith(("postgresql://", "postgres://")):
        from photoapp.backends.repository_postgres import PostgresRepository

        return PostgresRepository(
            url,
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            timeout=settings.db_pool_timeout,
        )
    raise SettingsError(
        f"PHOTOAPP_DATABASE_URL={url!r} is not supported: use sqlite:///path/to/file.db,"
        " postgresql://user@host:port/dbname or memory://"
    )


def build_new_id(settings: Settings) -> Callable[[], int] | None:
    """Lab 08: return what numbers new rows on SQLite and memory, or None for their counter."""
    if settings.ids not in ID_CHOICES:
        raise SettingsError(f"PHOTOAPP_IDS={settings.ids!r} is not one of {', '.join(ID_CHOICES)}")
    if not 0 <= settings.id_shard <= MAX_SHARD:
        raise SettingsError(
            f"PHOTOAPP_ID_SHARD={settings.id_shard} is outside 0..{MAX_SHARD} (13 bits)"
        )
    if settings.ids == "counter":
        return None
    ids = build_id_generator(settings)
    if settings.database_url == MEMORY:  # one process by definition
        return partial(ids.next_id, settings.id_shard)
    # Every process on this machine leases shard bits of its own, from id_shard up: Gunicorn's
    # workers share one settings object, and two processes with the same bits repeat ids.
    from photoapp.backends.ids_lease import ShardLease

    folder = Path(settings.database_url.removeprefix("sqlite:///")).resolve().parent
    lease = ShardLease(folder / "id-leases", settings.id_shard)
    return lambda: ids.next_id(lease.shard())


def build_id_generator(settings: Settings) -> IdGenerator:
    """Lab 08: return the Python snowflake generator (memory:// gets the simple one)."""
    if settings.database_url == MEMORY:
        from photoapp.backends.ids_memory import MemoryIds

        return MemoryIds()
    from photoapp.backends.ids_snowflake import SnowflakeIds

    return SnowflakeIds()


def build_blob_store(settings: Settings) -> BlobStore:
    """Return the blob store the media setting names."""
    if settings.media_dir == MEMORY:
        from photoapp.backends.blobstore_memory import MemoryBlobStore

        return MemoryBlobStore()
    from photoapp.backends.blobstore_local import LocalBlobStore

    return LocalBlobStore(settings.media_path())


def build_cache(settings: Settings) -> Cache | None:
    """Return the cache the settings name (Memcached, else Redis), or None for no cache."""
    if settings.memcached_url:
        from photoapp.backends.cache_memcached import MemcachedCache

        return MemcachedCache(settings.memcached_url)
    if settings.redis_url:
        from photoapp.backends.cache_redis import RedisCache

        return RedisCache(settings.redis_url)
    return None


def build_photo_owners(settings: Settings) -> PhotoOwners:
    """Return the photo -> owner map: in Redis when there is one, else this process's own."""
    if settings.redis_url:
        from photoapp.backends.photo_owners_redis import RedisPhotoOwners

        return RedisPhotoOwners(settings.redis_url)
    from photoapp.backends.photo_owners_memory import MemoryPhotoOwners

    return MemoryPhotoOwners()


def build_service(settings: Settings) -> PhotoService:
    """Compose the use cases with the adapters the settings choose."""
    repo = build_repository(settings)
    # Behaviour is added around the repository by wrapping it, one decorator per lab, so that
    # no backend knows about the others: lab 05 caches reads when a cache is configured.
    cache = build_cache(settings)
    if cache is not None:
        from photoapp.backends.repository_cached import CachedRepository

        repo = CachedRepository(
            repo, cache, ttl=settings.cache_ttl, feed_ttl=settings.feed_cache_ttl
        )
    return PhotoService(
        repo=repo,
        blobs=build_blob_store(settings),
        process_image=images.process_upload,
        owners=build_photo_owners(settings),
    )
