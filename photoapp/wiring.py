"""Pick adapters by name from settings: the only place that knows every backend."""

from __future__ import annotations

from pathlib import Path

from photoapp import images
from photoapp.ports import BlobStore, Repository
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


def build_service(settings: Settings) -> PhotoService:
    """Compose the use cases with the adapters the settings choose."""
    return PhotoService(
        repo=build_repository(settings),
        blobs=build_blob_store(settings),
        process_image=images.process_upload,
    )
