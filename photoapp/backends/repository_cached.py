"""Lab 05: CachedRepository, cache-aside around any Repository, through the Cache port only.

Your task is in labs/05-caching/README.md, sections "Step 3: cache-aside reads", "Step 4:
invalidation and read-your-writes" and "Step 5: TTLs, jitter and stampedes". It implements the
Repository port (photoapp/ports.py) by asking another Repository, whichever it is (memory,
SQLite, PostgreSQL; lab 09's sharded one), and keeps copies in a Cache (photoapp/ports.py):
photoapp/wiring.py wraps the real repository in it when PHOTOAPP_REDIS_URL is set. The same
Repository contract tests run on it: caching must never change an answer.

The rules of the road:
- Use only the Cache port (get_many, set_many, delete_many, add): no Redis here, so the same
  class runs over MemoryCache in tests and Memcached in the guide's comparison.
- Cache-aside: look in the cache; on a miss ask the repository and store what it said (never
  store "None": then creating a user or a photo needs no invalidation).
- Cache what every screen reads: a photo with its like count, a user by id and by name, a
  profile's counts, is_following, liked_photo_ids (one get_many for all the ids of a page),
  and the first page of each feed and of each user's photos (as a list of photo ids; the
  photos themselves come from their own keys, so a like updates every page at once).
- Values are bytes: JSON of the dataclasses, times in ISO 8601 (datetime.fromisoformat).
- Every write goes to the repository, then deletes every key it made stale: a like changes
  the photo and the liker's like; a follow the follower's feed and both profiles; an upload or
  a delete the owner's feed, photos and profile (and a delete the photo itself).
- TTLs: `ttl` seconds, `feed_ttl` for feeds (other people's uploads do not invalidate them),
  each with random jitter of about 10 %.
- Stampedes: when a key is missing, one caller loads it while the others wait for its value,
  with a short lock taken through Cache.add (or probabilistic early refresh: see the guide).
"""

from __future__ import annotations

from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User
from photoapp.ports import Cache, Repository

GUIDE = "see labs/05-caching/README.md"


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 05: write {what} in {__name__} ({GUIDE})")


class CachedRepository:
    """The Repository port around another repository, with a Cache in front of its reads."""

    def __init__(self, repository: Repository, cache: Cache, ttl: int = 300,
                 feed_ttl: int = 30) -> None:
        """Keep the repository, the cache and the TTLs (seconds); nothing connects here."""
        raise _todo("CachedRepository")

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken."""
        raise _todo("CachedRepository.create_user")

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        raise _todo("CachedRepository.get_user")

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        raise _todo("CachedRepository.get_user_by_username")

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo and return it with its new id."""
        raise _todo("CachedRepository.add_photo")

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        raise _todo("CachedRepository.get_photo")

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo and its likes; return False if it did not exist."""
        raise _todo("CachedRepository.delete_photo")

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first."""
        raise _todo("CachedRepository.user_photos")

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        raise _todo("CachedRepository.feed")

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee; return False if it already did."""
        raise _todo("CachedRepository.follow")

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        raise _todo("CachedRepository.unfollow")

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        raise _todo("CachedRepository.is_following")

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like; return False if the user had liked it already."""
        raise _todo("CachedRepository.like")

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        raise _todo("CachedRepository.unlike")

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked."""
        raise _todo("CachedRepository.liked_photo_ids")

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        raise _todo("CachedRepository.profile")

    def ping(self) -> None:
        """Raise if the repository underneath cannot answer (not the cache: it fails open)."""
        raise _todo("CachedRepository.ping")

    def close(self) -> None:
        """Close the repository underneath and the cache."""
        raise _todo("CachedRepository.close")
