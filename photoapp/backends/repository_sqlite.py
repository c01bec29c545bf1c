"""Lab 01: SqliteRepository, the Repository port on one SQLite file.

Your task is in labs/01-single-box/README.md, section "Step 2: the SQLite repository".
Read photoapp/ports.py for what each method must do, and photoapp/backends/repository_memory.py
for a complete implementation of the same port in plain Python.

The rules of the road:
- sqlite3 connections must not be shared between threads, and the app serves requests on many
  threads: open a short-lived connection per call (or one per thread with threading.local).
- On every connection: PRAGMA foreign_keys = ON (it is off by default) and a busy timeout
  (sqlite3.connect(path, timeout=5)); once per file: PRAGMA journal_mode = WAL.
- Apply photoapp/sql/sqlite_schema.sql in __init__ (conn.executescript); it ships inside the
  package, so read it with importlib.resources or a path relative to this file.
- SQL with ? or :name placeholders only, never f-strings or % with values.
- Times are stored as UTC ISO text (datetime.now(UTC).isoformat()) and read back with
  datetime.fromisoformat, so they come back timezone-aware.
- The feed is ONE query: ORDER BY id DESC, WHERE id < :before, LIMIT :limit + 1.
- Lab 08 passes new_id, a function that returns the id of the next new user or photo: insert
  it as the id (an id of None lets SQLite number the row itself, as in lab 01).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User

GUIDE = "see labs/01-single-box/README.md"


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 01: write {what} in {__name__} ({GUIDE})")


class SqliteRepository:
    """Users, photos, follows and likes in one SQLite database file."""

    def __init__(self, path: Path, new_id: Callable[[], int] | None = None) -> None:
        """Create the file's folder, switch the file to WAL and apply the schema."""
        raise _todo("SqliteRepository")

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken (sqlite3.IntegrityError)."""
        raise _todo("SqliteRepository.create_user")

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        raise _todo("SqliteRepository.get_user")

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        raise _todo("SqliteRepository.get_user_by_username")

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo and return it with its new id and its owner's username."""
        raise _todo("SqliteRepository.add_photo")

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        raise _todo("SqliteRepository.get_photo")

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo (its likes go with it: ON DELETE CASCADE); False if it did not exist."""
        raise _todo("SqliteRepository.delete_photo")

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first."""
        raise _todo("SqliteRepository.user_photos")

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        raise _todo("SqliteRepository.feed")

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee; return False if it already did."""
        raise _todo("SqliteRepository.follow")

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        raise _todo("SqliteRepository.unfollow")

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        raise _todo("SqliteRepository.is_following")

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like; return False if the user had liked it already."""
        raise _todo("SqliteRepository.like")

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        raise _todo("SqliteRepository.unlike")

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked."""
        raise _todo("SqliteRepository.liked_photo_ids")

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        raise _todo("SqliteRepository.profile")

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query right now."""
        raise _todo("SqliteRepository.ping")

    def close(self) -> None:
        """Release connections and files."""
        raise _todo("SqliteRepository.close")
