"""Pick adapters by name from settings: the only place that knows every backend."""

from __future__ import annotations

from pathlib import Path

from photoapp import images
from photoapp.ports import BlobStore, Cache, PhotoOwners, Repository
from photoapp.services import PhotoService
from photoapp.settings import Settings, SettingsError

MEMORY = "memory://"


def build_repository(settings: Settings) -> Repository:
    """Return the repository the database URL names."""
    url = settings.database_url
    if url == MEMORY:
        from photoapp.backends.repository_memory import MemoryRepository

        return MemoryRepository()
    if url.startswith("sqlite:///"):
        from photoapp.backends.repository_sqlite import SqliteRepository

        return SqliteRepository(Path(url.removeprefix("sqlite:///")))
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
