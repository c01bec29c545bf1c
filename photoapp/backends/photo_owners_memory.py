"""MemoryPhotoOwners: the executable definition of the PhotoOwners port, in one dictionary."""

from __future__ import annotations

import threading
from collections.abc import Mapping


class MemoryPhotoOwners:
    """Photo id -> user id in a dict; each process has its own, so it only knows what it saw."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[int, int] = {}

    def set_owners(self, owners: Mapping[int, int]) -> None:
        """Record the owner (user id) of each photo id, many at once."""
        with self._lock:
            self._owners.update(owners)

    def owner_of(self, photo_id: int) -> int | None:
        """Return the user id that owns the photo, or None if the map does not know it."""
        return self._owners.get(photo_id)

    def forget(self, photo_id: int) -> None:
        """Remove a photo from the map; a photo it does not know is not an error."""
        with self._lock:
            self._owners.pop(photo_id, None)

    def close(self) -> None:
        """Nothing to release."""
