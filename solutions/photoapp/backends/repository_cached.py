"""Lab 05: CachedRepository, cache-aside around any Repository, through the Cache port only.

Reads look in the cache first; on a miss they ask the repository underneath and keep a copy
for a while (cache-aside). Writes go to the repository, then delete every cached copy they
made stale (invalidation), so a user sees their own change at once, through any app server:
all servers share one cache. What may be stale, and for how long:

- a feed's first page is cached as a list of photo ids for `feed_ttl` seconds: someone else's
  new photo shows up in your feed within that time (a deleted one vanishes at once, and the
  page is one photo short until then). Your own follow, unfollow, upload or delete refreshes
  your feed at once;
- everything else is exact after a write, and kept `ttl` seconds without one.

Every TTL varies by 10 % (jitter), so entries cached together do not all expire together.
A hot key that expires is loaded by one caller while the others wait for its result (a short
lock in the cache), instead of all of them asking the database at once (a stampede).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime
from typing import Any, TypeVar

from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User
from photoapp.ports import Cache, Repository

T = TypeVar("T")

VERSION = "v1"  # part of every key: change it when a cached value changes shape
JITTER = 0.1  # each TTL is drawn between 90 % and 110 % of its setting
LOCK_TTL_S = 2  # a loader that died frees its lock after this long
WAIT_S = 1.0  # how long a caller waits for another one's load before loading itself
POLL_S = 0.01


@dataclass(frozen=True)
class PageIds:
    """A cached first page: the ids of its photos, for which page size, and the next cursor."""

    limit: int
    ids: list[int]
    next_before: int | None


class CachedRepository:
    """The Repository port around another repository, with a Cache in front of its reads."""

    def __init__(self, repository: Repository, cache: Cache, ttl: int = 300,
                 feed_ttl: int = 30) -> None:
        self.repo = repository
        self.cache = cache
        self.ttl = ttl
        self.feed_ttl = feed_ttl

    # --- reads ------------------------------------------------------------------------------

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None (users never change: no invalidation)."""
        return self._read(_key("user", user_id), lambda: self.repo.get_user(user_id),
                          _user_from)

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        return self._read(_key("username", username),
                          lambda: self.repo.get_user_by_username(username), _user_from)

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        return self._read(_photo_key(photo_id), lambda: self.repo.get_photo(photo_id),
                          _photo_from)

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's counts, or None."""
        return self._read(_key("profile", user_id), lambda: self.repo.profile(user_id),
                          _profile_from)

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        found = self._read(_key("following", follower_id, followee_id),
                           lambda: self.repo.is_following(follower_id, followee_id), bool)
        return bool(found)

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user liked: one cache round trip, one load at most."""
        if not photo_ids:
            return set()
        keys = {pid: _key("liked", user_id, pid) for pid in photo_ids}
        # A like of a deleted photo must not be reported: its likers are not known here, so a
        # cached answer counts only while the photo itself is cached (a delete removes it).
        found = self.cache.get_many([*keys.values(), *map(_photo_key, keys)])
        known = {pid for pid, key in keys.items() if key in found and _photo_key(pid) in found}
        liked = {pid for pid in known if found[keys[pid]] == b"1"}
        missing = [pid for pid in keys if pid not in known]
        if missing:
            loaded = self.repo.liked_photo_ids(user_id, missing)
            liked |= loaded
            self.cache.set_many({keys[p]: b"1" if p in loaded else b"0" for p in missing},
                                self._ttl(self.ttl))
        return liked

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return a feed page; the first page comes from the cache (ids, then each photo)."""
        if before is not None:  # later pages are rarer and never cached
            return self.repo.feed(user_id, before, limit)
        return self._first_page(_key("feed", user_id), limit, self.feed_ttl,
                                lambda: self.repo.feed(user_id, None, limit))

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos; the first page comes from the cache."""
        if before is not None:
            return self.repo.user_photos(user_id, before, limit)
        return self._first_page(_key("photos", user_id), limit, self.ttl,
                                lambda: self.repo.user_photos(user_id, None, limit))

    # --- writes: the repository first, then every cached copy they make stale -----------------

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user (misses are never cached, so nothing is stale)."""
        return self.repo.create_user(username, password_hash)

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo; the owner's feed, photos and counts change."""
        stored = self.repo.add_photo(photo)
        self._invalidate(*_owner_keys(stored.user_id))
        return stored

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo; it, and its owner's feed, photos and counts, change."""
        photo = self.get_photo(photo_id)
        deleted = self.repo.delete_photo(photo_id)
        keys = [_photo_key(photo_id)]
        if photo is not None:
            keys += _owner_keys(photo.user_id)
        self._invalidate(*keys)
        return deleted

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Follow; the follower's feed and both users' counts change."""
        changed = self.repo.follow(follower_id, followee_id)
        self._invalidate(*_follow_keys(follower_id, followee_id))
        return changed

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Unfollow; the same keys as a follow change."""
        changed = self.repo.unfollow(follower_id, followee_id)
        self._invalidate(*_follow_keys(follower_id, followee_id))
        return changed

    def like(self, user_id: int, photo_id: int) -> bool:
        """Like; the photo's count and the user's like of it change."""
        changed = self.repo.like(user_id, photo_id)
        self._invalidate(_photo_key(photo_id), _key("liked", user_id, photo_id))
        return changed

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Unlike; the same keys as a like change."""
        changed = self.repo.unlike(user_id, photo_id)
        self._invalidate(_photo_key(photo_id), _key("liked", user_id, photo_id))
        return changed

    def ping(self) -> None:
        """Ask the repository: the app is ready without its cache (it fails open)."""
        self.repo.ping()

    def close(self) -> None:
        """Close the repository and the cache."""
        self.repo.close()
        self.cache.close()

    # --- the machinery ------------------------------------------------------------------------

    def _read(self, key: str, load: Callable[[], T | None],
              decode: Callable[[Any], T]) -> T | None:
        """Cache-aside with a per-key lock: one caller loads a missing key, the others wait."""
        found = self.cache.get_many([key])
        if key in found:
            return decode(json.loads(found[key]))
        lock = "lock:" + key
        holding = self.cache.add(lock, b"1", LOCK_TTL_S)
        if not holding:
            waited = self._wait_for(key, lock)
            if waited is not None:
                return decode(json.loads(waited))
            holding = self.cache.add(lock, b"1", LOCK_TTL_S)
        try:
            if holding:  # someone may have stored it between our miss and our lock
                found = self.cache.get_many([key])
                if key in found:
                    return decode(json.loads(found[key]))
            value = load()
            if value is not None:  # "no such thing" is not cached: a create needs no delete
                self.cache.set_many({key: _encode(value)}, self._ttl(self.ttl))
            return value
        finally:
            if holding:
                self.cache.delete_many([lock])

    def _wait_for(self, key: str, lock: str) -> bytes | None:
        """Wait until another caller stored the key (its value) or dropped its lock (None)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            time.sleep(POLL_S)
            found = self.cache.get_many([key, lock])
            if key in found:
                return found[key]
            if lock not in found:
                return None
        return None

    def _first_page(self, key: str, limit: int, ttl: int,
                    load: Callable[[], FeedPage]) -> FeedPage:
        """Serve a first page from its cached ids and cached photos, or load and cache it."""
        found = self.cache.get_many([key])
        if key in found:
            cached = PageIds(**json.loads(found[key]))
            if cached.limit == limit:
                return FeedPage(self._photos(cached.ids), cached.next_before)
        page = load()
        ids = PageIds(limit, [p.id for p in page.photos], page.next_before)
        items = {_photo_key(p.id): _encode(p) for p in page.photos}
        self.cache.set_many(items, self._ttl(self.ttl))
        self.cache.set_many({key: _encode(ids)}, self._ttl(ttl))
        return page

    def _photos(self, photo_ids: list[int]) -> list[Photo]:
        """Return these photos in order, from one cache round trip; deleted ones are skipped."""
        found = self.cache.get_many([_photo_key(pid) for pid in photo_ids])
        photos = []
        for pid in photo_ids:
            cached = found.get(_photo_key(pid))
            photo = _photo_from(json.loads(cached)) if cached is not None else self.get_photo(pid)
            if photo is not None:
                photos.append(photo)
        return photos

    def _invalidate(self, *keys: str) -> None:
        """Delete cached copies after a write."""
        self.cache.delete_many(list(keys))

    def _ttl(self, seconds: int) -> int:
        """A TTL with jitter, at least one second."""
        return max(1, round(seconds * random.uniform(1 - JITTER, 1 + JITTER)))


def _key(kind: str, *parts: object) -> str:
    """Build a cache key: v1:photo:42, v1:liked:7:42."""
    return ":".join([VERSION, kind, *map(str, parts)])


def _photo_key(photo_id: int) -> str:
    """The key of one photo."""
    return _key("photo", photo_id)


def _owner_keys(user_id: int) -> list[str]:
    """What a user's upload or delete changes: their feed, their photos, their counts."""
    return [_key("feed", user_id), _key("photos", user_id), _key("profile", user_id)]


def _follow_keys(follower_id: int, followee_id: int) -> list[str]:
    """What a follow or unfollow changes."""
    return [
        _key("feed", follower_id),
        _key("profile", follower_id),
        _key("profile", followee_id),
        _key("following", follower_id, followee_id),
    ]


def _encode(value: object) -> bytes:
    """A model (or plain value) as JSON bytes; times in ISO 8601."""
    plain = asdict(value) if is_dataclass(value) and not isinstance(value, type) else value
    return json.dumps(plain, default=datetime.isoformat).encode()


def _user_from(data: dict[str, Any]) -> User:
    """A User from its JSON form."""
    return User(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


def _photo_from(data: dict[str, Any]) -> Photo:
    """A Photo from its JSON form."""
    return Photo(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


def _profile_from(data: dict[str, Any]) -> Profile:
    """A Profile from its JSON form."""
    return Profile(**{**data, "user": _user_from(data["user"])})
