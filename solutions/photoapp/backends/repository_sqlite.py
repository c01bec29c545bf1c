"""Lab 01: SqliteRepository, the Repository port on one SQLite file.

sqlite3 connections must not be shared between threads, and both Flask's development server
and Gunicorn's threads serve requests on many threads. The simplest safe rule: every method
opens its own short-lived connection, does its work in one transaction, and closes it.
Opening a SQLite connection is a file open, cheap next to a web request.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from photoapp.errors import Conflict
from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User

BUSY_TIMEOUT_SECONDS = 5.0  # wait this long for another writer instead of failing at once
NO_CURSOR = 2**63 - 1  # larger than any id: "before" for the first page

# Every query that returns photos selects the same columns, with the like count
# counted from the likes table (one row per like, so the count can never drift).
FEED_QUERY = """
    SELECT p.id, p.user_id, u.username, p.caption, p.image_key, p.thumbnail_key,
           p.content_type, p.width, p.height, p.created_at,
           (SELECT COUNT(*) FROM likes AS l WHERE l.photo_id = p.id) AS like_count
    FROM photos AS p JOIN users AS u ON u.id = p.user_id
    WHERE (p.user_id = :me
           OR p.user_id IN (SELECT followee_id FROM follows WHERE follower_id = :me))
      AND p.id < :before
    ORDER BY p.id DESC
    LIMIT :limit
"""

USER_PHOTOS_QUERY = """
    SELECT p.id, p.user_id, u.username, p.caption, p.image_key, p.thumbnail_key,
           p.content_type, p.width, p.height, p.created_at,
           (SELECT COUNT(*) FROM likes AS l WHERE l.photo_id = p.id) AS like_count
    FROM photos AS p JOIN users AS u ON u.id = p.user_id
    WHERE p.user_id = :user_id AND p.id < :before
    ORDER BY p.id DESC
    LIMIT :limit
"""

ONE_PHOTO_QUERY = """
    SELECT p.id, p.user_id, u.username, p.caption, p.image_key, p.thumbnail_key,
           p.content_type, p.width, p.height, p.created_at,
           (SELECT COUNT(*) FROM likes AS l WHERE l.photo_id = p.id) AS like_count
    FROM photos AS p JOIN users AS u ON u.id = p.user_id
    WHERE p.id = :photo_id
"""

PROFILE_QUERY = """
    SELECT u.*,
           (SELECT COUNT(*) FROM photos WHERE user_id = u.id) AS photo_count,
           (SELECT COUNT(*) FROM follows WHERE followee_id = u.id) AS follower_count,
           (SELECT COUNT(*) FROM follows WHERE follower_id = u.id) AS following_count
    FROM users AS u
    WHERE u.id = :user_id
"""


class SqliteRepository:
    """Users, photos, follows and likes in one SQLite database file."""

    def __init__(self, path: Path, new_id: Callable[[], int] | None = None) -> None:
        """Create the file's folder, switch the file to WAL and apply the schema."""
        self.path = Path(path)
        # Lab 08: given new_id, new rows take the ids it makes; without it SQLite numbers them.
        self.new_id = new_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            # WAL lets readers keep reading while one writer writes; the setting is stored
            # in the file, so setting it once here is enough.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_schema())

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Open a connection, run one transaction (commit or roll back), and close it."""
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA foreign_keys = ON")  # off by default, per connection
            with conn:  # commits on success, rolls back on an exception
                yield conn
        finally:
            conn.close()

    def _id(self) -> int | None:
        """Return the id of a new row, or None: SQLite then gives the next one itself."""
        return self.new_id() if self.new_id is not None else None

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken."""
        created_at = _now()
        try:
            with self._connect() as conn:
                cursor = conn.execute(
                    "INSERT INTO users (id, username, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (self._id(), username, password_hash, created_at.isoformat()),
                )
        except sqlite3.IntegrityError:
            raise Conflict(f"username {username!r} is taken") from None
        assert cursor.lastrowid is not None
        return User(cursor.lastrowid, username, password_hash, created_at)

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        return _user(row) if row else None

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo and return it with its new id (ids grow over time)."""
        with self._connect() as conn:
            cursor = conn.execute(
                """
                INSERT INTO photos (id, user_id, caption, image_key, thumbnail_key,
                                    content_type, width, height, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (self._id(), photo.user_id, photo.caption, photo.image_key, photo.thumbnail_key,
                 photo.content_type, photo.width, photo.height, _now().isoformat()),
            )
            row = conn.execute(ONE_PHOTO_QUERY, {"photo_id": cursor.lastrowid}).fetchone()
        return _photo(row)

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        with self._connect() as conn:
            row = conn.execute(ONE_PHOTO_QUERY, {"photo_id": photo_id}).fetchone()
        return _photo(row) if row else None

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo and its likes (ON DELETE CASCADE); return False if it did not exist."""
        with self._connect() as conn:
            cursor = conn.execute("DELETE FROM photos WHERE id = ?", (photo_id,))
        return cursor.rowcount == 1

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first."""
        params = {"user_id": user_id, "before": _cursor(before), "limit": limit + 1}
        with self._connect() as conn:
            rows = conn.execute(USER_PHOTOS_QUERY, params).fetchall()
        return _page(rows, limit)

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        # One query, and one row more than the page: if it comes back, there is a next page.
        params = {"me": user_id, "before": _cursor(before), "limit": limit + 1}
        with self._connect() as conn:
            rows = conn.execute(FEED_QUERY, params).fetchall()
        return _page(rows, limit)

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee; return False if it already did."""
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (follower_id, followee_id, _now().isoformat()),
            )
        return cursor.rowcount == 1

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        with self._connect() as conn:
            cursor = conn.execute(
                "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?",
                (follower_id, followee_id),
            )
        return cursor.rowcount == 1

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?",
                (follower_id, followee_id),
            ).fetchone()
        return row is not None

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like; return False if the user had liked it already."""
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO likes (user_id, photo_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (user_id, photo_id, _now().isoformat()),
            )
        return cursor.rowcount == 1

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        with self._connect() as conn:
            cursor = conn.execute(
                "DELETE FROM likes WHERE user_id = ? AND photo_id = ?", (user_id, photo_id)
            )
        return cursor.rowcount == 1

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked."""
        if not photo_ids:
            return set()
        # A list travels as one bound parameter: json_each() turns it back into rows.
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT photo_id FROM likes"
                " WHERE user_id = ? AND photo_id IN (SELECT value FROM json_each(?))",
                (user_id, json.dumps(photo_ids)),
            ).fetchall()
        return {row["photo_id"] for row in rows}

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        with self._connect() as conn:
            row = conn.execute(PROFILE_QUERY, {"user_id": user_id}).fetchone()
        if row is None:
            return None
        return Profile(_user(row), row["photo_count"], row["follower_count"],
                       row["following_count"])

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query right now."""
        with self._connect() as conn:
            conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        """Nothing stays open between calls, so there is nothing to release."""


def _schema() -> str:
    """Read photoapp/sql/sqlite_schema.sql, which ships inside the package."""
    return resources.files("photoapp").joinpath("sql/sqlite_schema.sql").read_text("utf-8")


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def _time(text: str) -> datetime:
    """Parse a stored ISO time; times are stored in UTC with their offset."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _cursor(before: int | None) -> int:
    """Return the id every row on the page must be below."""
    return NO_CURSOR if before is None else before


def _user(row: sqlite3.Row) -> User:
    """Build a User from a users row."""
    return User(row["id"], row["username"], row["password_hash"], _time(row["created_at"]))


def _photo(row: sqlite3.Row) -> Photo:
    """Build a Photo from a row of PHOTO_COLUMNS."""
    return Photo(
        id=row["id"],
        user_id=row["user_id"],
        username=row["username"],
        caption=row["caption"],
        image_key=row["image_key"],
        thumbnail_key=row["thumbnail_key"],
        content_type=row["content_type"],
        width=row["width"],
        height=row["height"],
        created_at=_time(row["created_at"]),
        like_count=row["like_count"],
    )


def _page(rows: list[sqlite3.Row], limit: int) -> FeedPage:
    """Turn limit + 1 rows into one page and the cursor of the next one."""
    photos = [_photo(row) for row in rows[:limit]]
    next_before = photos[-1].id if len(rows) > limit else None
    return FeedPage(photos, next_before)
