"""MemoryCache: the executable definition of the Cache port, in one process's dictionary."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping


class MemoryCache:
    """Values with an expiry time in a dict guarded by one lock; lost when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[bytes, float]] = {}  # key -> (value, expires at)

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Return the values of the keys that are there; missing and expired keys are left out."""
        now = time.monotonic()
        with self._lock:
            found = {}
            for key in keys:
                item = self._items.get(key)
                if item is not None and item[1] > now:
                    found[key] = item[0]
            return found

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        """Store every value under its key for ttl seconds, replacing what was there."""
        expires = time.monotonic() + ttl
        with self._lock:
            for key, value in items.items():
                self._items[key] = (value, expires)

    def delete_many(self, keys: list[str]) -> None:
        """Remove the keys; a missing key is not an error."""
        with self._lock:
            for key in keys:
                self._items.pop(key, None)

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Store a value for ttl seconds only if the key is absent; True if this call stored it."""
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[1] > now:
                return False
            self._items[key] = (value, now + ttl)
            return True

    def ping(self) -> None:
        """Memory always answers."""

    def close(self) -> None:
        """Nothing to release."""
