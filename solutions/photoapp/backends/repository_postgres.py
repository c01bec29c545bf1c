"""Lab 03: PostgresRepository, the Repository port on PostgreSQL with a connection pool.

Connecting to PostgreSQL costs a process on the server and a few round trips, far too much to
pay on every request. A pool keeps a few connections open and lends one to each request.

When the pool opens: lazily, on the first query. Nothing connects at import time or in
__init__, so an app built before Gunicorn forks (even with --preload) opens its pool in each
worker, after the fork; a pool's connections and threads never cross a fork.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import psycopg
from psycopg import errors
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool, PoolTimeout

from photoapp.errors import Conflict, InvalidInput, NotFound, Unavailable
from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User

NO_CURSOR = 2**63 - 1  # larger than any bigint id: "before" for the first page
SCHEMA_LOCK = 3_000_001  # any constant: an advisory lock key shared by every app server

# The feed: for each author (the people I follow, and me), their newest photos below the
# cursor, straight from the index on photos (user_id, id DESC) and at most one page each
# (LATERAL runs the inner query once per author); then the newest page of those.
# Written as "user_id = me OR user_id IN (...) ORDER BY id DESC LIMIT n", the same question
# lets the planner walk the whole table newest first, hoping to meet your friends' photos
# early; when they posted long ago it reads every photo (see the guide, "Reading EXPLAIN").
# Likes are counted and names joined last, for the rows of the page only.
FEED_QUERY = """
    WITH author AS (
        SELECT followee_id AS id FROM follows WHERE follower_id = %(me)s
        UNION ALL
        SELECT %(me)s
    ),
    page AS (
        SELECT newest.* FROM author CROSS JOIN LATERAL (
            SELECT * FROM photos
            WHERE photos.user_id = author.id AND photos.id < %(before)s
            ORDER BY photos.id DESC
            LIMIT %(limit)s
        ) AS newest
        ORDER BY newest.id DESC
        LIMIT %(limit)s
    )
    SELECT page.id, page.user_id, u.username, page.caption, page.image_key,
           page.thumbnail_key, page.content_type, page.width, page.height, page.created_at,
           (SELECT count(*) FROM likes WHERE likes.photo_id = page.id) AS like_count
    FROM page JOIN users AS u ON u.id = page.user_id
    ORDER BY page.id DESC
"""

USER_PHOTOS_QUERY = """
    WITH page AS (
        SELECT * FROM photos
        WHERE user_id = %(user_id)s AND id < %(before)s
        ORDER BY id DESC
        LIMIT %(limit)s
    )
    SELECT page.id, page.user_id, u.username, page.caption, page.image_key,
           page.thumbnail_key, page.content_type, page.width, page.height, page.created_at,
           (SELECT count(*) FROM likes WHERE likes.photo_id = page.id) AS like_count
    FROM page JOIN users AS u ON u.id = page.user_id
    ORDER BY page.id DESC
"""

ONE_PHOTO_QUERY = """
    SELECT p.id, p.user_id, u.username, p.caption, p.image_key, p.thumbnail_key,
           p.content_type, p.width, p.height, p.created_at,
           (SELECT count(*) FROM likes WHERE likes.photo_id = p.id) AS like_count
    FROM photos AS p JOIN users AS u ON u.id = p.user_id
    WHERE p.id = %(photo_id)s
"""

USER_QUERY = "SELECT id, username, password_hash, created_at FROM users"

PROFILE_QUERY = """
    SELECT
        (SELECT count(*) FROM photos WHERE user_id = %(user_id)s) AS photo_count,
        (SELECT count(*) FROM follows WHERE followee_id = %(user_id)s) AS follower_count,
        (SELECT count(*) FROM follows WHERE follower_id = %(user_id)s) AS following_count
"""


class PostgresRepository:
    """Users, photos, follows and likes in PostgreSQL, through a pool of connections."""

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10,
                 timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,  # wait at most this long for a free connection, then 503
            open=False,  # opened on first use: see the module docstring
            # Test each connection before lending it: after a database restart the pool
            # holds dead connections, and this replaces them instead of failing a request.
            check=ConnectionPool.check_connection,
            name="photoapp",
        )
        self._open_lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """Lend a pooled connection for one transaction (commit on success, else roll back)."""
        try:
            self._open()
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout:
            raise Unavailable(
                f"no database connection within {self.timeout:g} s; try again shortly"
            ) from None
        except psycopg.OperationalError as error:  # the server went away mid-query
            raise Unavailable(f"the database is unavailable: {error}") from None

    def _open(self) -> None:
        """Open the pool and create the schema, once per process, on first use."""
        if self._ready:
            return
        with self._open_lock:
            if self._ready:
                return
            self._pool.open()
            with self._pool.connection() as conn:
                apply_schema(conn)
            self._ready = True

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken."""
        try:
            with self._connection() as conn, conn.cursor(row_factory=class_row(User)) as cur:
                cur.execute(
                    "INSERT INTO users (username, password_hash) VALUES (%s, %s)"
                    " RETURNING id, username, password_hash, created_at",
                    (username, password_hash),
                )
                user = cur.fetchone()
        except errors.UniqueViolation:  # two sign-ups raced for one name: the index decides
            raise Conflict(f"username {username!r} is taken") from None
        assert user is not None
        return user

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        return self._one_user(USER_QUERY + " WHERE id = %s", user_id)

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        return self._one_user(USER_QUERY + " WHERE username = %s", username)

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo and return it with its new id (ids grow over time)."""
        try:
            with self._connection() as conn:
                row = conn.execute(
                    "INSERT INTO photos (user_id, caption, image_key, thumbnail_key,"
                    " content_type, width, height) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " RETURNING id",
                    (photo.user_id, photo.caption, photo.image_key, photo.thumbnail_key,
                     photo.content_type, photo.width, photo.height),
                ).fetchone()
                assert row is not None
                stored = self._photos(conn, ONE_PHOTO_QUERY, {"photo_id": row[0]})
        except errors.ForeignKeyViolation:
            raise NotFound(f"no user {photo.user_id}") from None
        return stored[0]

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        with self._connection() as conn:
            found = self._photos(conn, ONE_PHOTO_QUERY, {"photo_id": photo_id})
        return found[0] if found else None

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo and its likes (ON DELETE CASCADE); return False if it did not exist."""
        return self._changed("DELETE FROM photos WHERE id = %s", (photo_id,))

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first."""
        params = {"user_id": user_id, "before": _cursor(before), "limit": limit + 1}
        with self._connection() as conn:
            return _page(self._photos(conn, USER_PHOTOS_QUERY, params), limit)

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        # One row more than the page: if it comes back, there is a next page.
        params = {"me": user_id, "before": _cursor(before), "limit": limit + 1}
        with self._connection() as conn:
            return _page(self._photos(conn, FEED_QUERY, params), limit)

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee; return False if it already did."""
        # ON CONFLICT DO NOTHING: two racing follows both succeed, one row is stored, and the
        # loser learns it from the row count. Checking first and inserting second would race.
        try:
            return self._changed(
                "INSERT INTO follows (follower_id, followee_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                (follower_id, followee_id),
            )
        except errors.CheckViolation:
            raise InvalidInput("you cannot follow yourself") from None
        except errors.ForeignKeyViolation:
            raise NotFound(f"no user {follower_id} or {followee_id}") from None

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        return self._changed(
            "DELETE FROM follows WHERE follower_id = %s AND followee_id = %s",
            (follower_id, followee_id),
        )

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT 1 FROM follows WHERE follower_id = %s AND followee_id = %s",
                (follower_id, followee_id),
            ).fetchone()
        return row is not None

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like; return False if the user had liked it already."""
        try:
            return self._changed(
                "INSERT INTO likes (user_id, photo_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (user_id, photo_id),
            )
        except errors.ForeignKeyViolation:  # the photo was deleted a moment ago
            raise NotFound(f"no photo {photo_id}") from None

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        return self._changed(
            "DELETE FROM likes WHERE user_id = %s AND photo_id = %s", (user_id, photo_id)
        )

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked."""
        if not photo_ids:
            return set()
        # A Python list travels as one array parameter; = ANY() matches any of its items.
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT photo_id FROM likes WHERE user_id = %s AND photo_id = ANY(%s)",
                (user_id, photo_ids),
            ).fetchall()
        return {row[0] for row in rows}

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        user = self.get_user(user_id)
        if user is None:
            return None
        with self._connection() as conn:
            counts = conn.execute(PROFILE_QUERY, {"user_id": user_id}).fetchone()
        assert counts is not None
        return Profile(user, *counts)

    def ping(self) -> None:
        """Raise Unavailable if the database cannot answer a trivial query right now."""
        with self._connection() as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        """Close every pooled connection; the repository cannot be used afterwards."""
        self._pool.close()

    def _one_user(self, query: str, value: object) -> User | None:
        """Run a query for at most one users row."""
        with self._connection() as conn, conn.cursor(row_factory=class_row(User)) as cur:
            return cur.execute(query, (value,)).fetchone()

    def _changed(self, statement: str, params: tuple[object, ...]) -> bool:
        """Run one INSERT or DELETE; return True if it changed a row."""
        with self._connection() as conn:
            return conn.execute(statement, params).rowcount == 1

    @staticmethod
    def _photos(conn: psycopg.Connection, query: str, params: dict[str, int]) -> list[Photo]:
        """Run a query whose columns are exactly Photo's fields."""
        with conn.cursor(row_factory=class_row(Photo)) as cur:
            return cur.execute(query, params).fetchall()


def apply_schema(conn: psycopg.Connection) -> None:
    """Create the tables and indexes if they are missing (safe to run again)."""
    schema = resources.files("photoapp").joinpath("sql/postgres_schema.sql").read_text("utf-8")
    with conn.transaction():
        # Several app servers start at once; CREATE ... IF NOT EXISTS is not safe when run
        # concurrently, so they take turns. The lock ends with the transaction.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(schema)


def _cursor(before: int | None) -> int:
    """Return the id every row on the page must be below."""
    return NO_CURSOR if before is None else before


def _page(photos: list[Photo], limit: int) -> FeedPage:
    """Turn limit + 1 photos into one page and the cursor of the next one."""
    page = photos[:limit]
    next_before = page[-1].id if len(photos) > limit else None
    return FeedPage(page, next_before)
