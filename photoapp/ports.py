"""The ports: what the use cases need from the outside world, as typing.Protocols.

Each adapter in `backends/` implements one of these; the memory adapters are the
executable definition of what every method means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User


class Repository(Protocol):
    """Users, photos, follows and likes, stored durably."""

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken."""
        ...

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        ...

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        ...

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo and return it with its new id (ids grow over time)."""
        ...

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        ...

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo and its likes; return False if it did not exist."""
        ...

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first."""
        ...

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        ...

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee; return False if it already did."""
        ...

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        ...

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        ...

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like; return False if the user had liked it already."""
        ...

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        ...

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked."""
        ...

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        ...

    def ping(self) -> None:
        """Raise if the store cannot answer a trivial query right now."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


class BlobStore(Protocol):
    """Image bytes by key: a folder, or an S3 bucket."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store bytes under a key, replacing what was there."""
        ...

    def get(self, key: str) -> bytes:
        """Return the bytes under a key; raise NotFound if there are none."""
        ...

    def delete(self, key: str) -> None:
        """Remove a key; a missing key is not an error."""
        ...

    def ping(self) -> None:
        """Raise if the store cannot be written right now."""
        ...


class Cache(Protocol):
    """Short-lived copies of answers by key (lab 05): any key may be missing at any time."""

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Return the values of the keys that are there; missing and expired keys are left out."""
        ...

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        """Store every value under its key for ttl seconds, replacing what was there."""
        ...

    def delete_many(self, keys: list[str]) -> None:
        """Remove the keys; a missing key is not an error."""
        ...

    def add(self, key: str, value: bytes, ttl: int) -> bool:
        """Store a value for ttl seconds only if the key is absent; True if this call stored it."""
        ...

    def ping(self) -> None:
        """Raise if the cache cannot answer right now."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class PhotoOwners(Protocol):
    """Which user owns each photo (lab 05), answered without the database; ids are never reused."""

    def set_owners(self, owners: Mapping[int, int]) -> None:
        """Record the owner (user id) of each photo id, many at once."""
        ...

    def owner_of(self, photo_id: int) -> int | None:
        """Return the user id that owns the photo, or None if the map does not know it."""
        ...

    def forget(self, photo_id: int) -> None:
        """Remove a photo from the map; a photo it does not know is not an error."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class IdGenerator(Protocol):
    """Lab 08: 64-bit ids that sort by time: 41 bits of ms, 13 of shard, 10 of sequence."""

    def next_id(self, shard: int) -> int:
        """Return a new id carrying this shard's bits, larger than every id returned before."""
        ...
