"""MemoryBlobStore: the executable definition of the BlobStore port."""

from __future__ import annotations

import threading

from photoapp.errors import NotFound


class MemoryBlobStore:
    """Blobs in a dictionary; lost when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blobs: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store bytes under a key, replacing what was there."""
        with self._lock:
            self._blobs[key] = (data, content_type)

    def get(self, key: str) -> bytes:
        """Return the bytes under a key; raise NotFound if there are none."""
        try:
            return self._blobs[key][0]
        except KeyError:
            raise NotFound(f"no blob {key!r}") from None

    def delete(self, key: str) -> None:
        """Remove a key; a missing key is not an error."""
        with self._lock:
            self._blobs.pop(key, None)

    def ping(self) -> None:
        """Memory is always writable."""

    def keys(self) -> list[str]:
        """List the stored keys (tests use this to check nothing leaks)."""
        return sorted(self._blobs)
