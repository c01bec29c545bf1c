"""MemoryRepository: the executable definition of the Repository port, in plain dicts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from photoapp.errors import Conflict
from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User


class MemoryRepository:
    """Everything in dictionaries guarded by one lock; lost when the process ends."""

    def __init__(self, new_id: Callable[[], int] | None = None) -> None:
        """Number rows 1, 2, 3 ... or, given new_id (lab 08), with the ids it returns."""
        self._new_id = new_id
        self._lock = threading.Lock()
        self._users: dict[int, User] = {}
        self._photos: dict[int, Photo] = {}
        self._follows: set[tuple[int, int]] = set()
        self._likes: set[tuple[int, int]] = set()
        self._next_user_id = 1
        self._next_photo_id = 1

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken."""
        with self._lock:
            if any(u.username == username for u in self._users.values()):
                raise Conflict(f"username {username!r} is taken")
            user = User(self._take_id("user"), username, password_hash, _now())
            self._users[user.id] = user
            return user

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        return self._users.get(user_id)

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        return next((u for u in self._users.values() if u.username == username), None)

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo and return it with its new id."""
        with self._lock:
            owner = self._users[photo.user_id]
            stored = Photo(
                id=self._take_id("photo"),
                user_id=photo.user_id,
                username=owner.username,
                caption=photo.caption,
                image_key=photo.image_key,
                thumbnail_key=photo.thumbnail_key,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                created_at=_now(),
            )
            self._photos[stored.id] = stored
            return stored

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        photo = self._photos.get(photo_id)
        return self._with_likes(photo) if photo else None

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo and its likes; return False if it did not exist."""
        with self._lock:
            if self._photos.pop(photo_id, None) is None:
                return False
            self._likes = {(u, p) for (u, p) in self._likes if p != photo_id}
            return True

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first."""
        return self._page({user_id}, before, limit)

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        authors = {user_id} | {followee for (f, followee) in self._follows if f == user_id}
        return self._page(authors, before, limit)

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee; return False if it already did."""
        return _add(self._lock, self._follows, (follower_id, followee_id))

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        return _discard(self._lock, self._follows, (follower_id, followee_id))

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        return (follower_id, followee_id) in self._follows

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like; return False if the user had liked it already."""
        return _add(self._lock, self._likes, (user_id, photo_id))

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        return _discard(self._lock, self._likes, (user_id, photo_id))

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked."""
        return {p for p in photo_ids if (user_id, p) in self._likes}

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        user = self._users.get(user_id)
        if user is None:
            return None
        return Profile(
            user=user,
            photo_count=sum(1 for p in self._photos.values() if p.user_id == user_id),
            follower_count=sum(1 for (_, followee) in self._follows if followee == user_id),
            following_count=sum(1 for (f, _) in self._follows if f == user_id),
        )

    def ping(self) -> None:
        """Memory always answers."""

    def close(self) -> None:
        """Nothing to release."""

    def _take_id(self, kind: str) -> int:
        """Return the id of a new user or photo (called under the lock)."""
        if self._new_id is not None:
            return self._new_id()
        if kind == "user":
            self._next_user_id += 1
            return self._next_user_id - 1
        self._next_photo_id += 1
        return self._next_photo_id - 1

    def _page(self, authors: set[int], before: int | None, limit: int) -> FeedPage:
        """Select photos by these authors below the cursor, newest first, one page."""
        with self._lock:
            ids = sorted(
                (p.id for p in self._photos.values()
                 if p.user_id in authors and (before is None or p.id < before)),
                reverse=True,
            )
            page = [self._with_likes(self._photos[i]) for i in ids[:limit]]
        next_before = page[-1].id if len(ids) > limit else None
        return FeedPage(page, next_before)

    def _with_likes(self, photo: Photo) -> Photo:
        """Return the photo with its like count filled in."""
        count = sum(1 for (_, p) in self._likes if p == photo.id)
        return replace(photo, like_count=count)


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def _add(lock: threading.Lock, items: set[tuple[int, int]], item: tuple[int, int]) -> bool:
    """Add an item to a set under the lock; return False if it was there."""
    with lock:
        if item in items:
            return False
        items.add(item)
        return True


def _discard(lock: threading.Lock, items: set[tuple[int, int]], item: tuple[int, int]) -> bool:
    """Remove an item from a set under the lock; return False if it was absent."""
    with lock:
        if item not in items:
            return False
        items.remove(item)
        return True
