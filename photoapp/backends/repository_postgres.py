"""Lab 03: PostgresRepository, the Repository port on PostgreSQL with a connection pool.

Your task is in labs/03-postgresql/README.md, sections "Step 2: the pooled repository" and
"Step 3: correct under concurrency". It is the same port as lab 01's SqliteRepository: read
photoapp/ports.py for what each method must do, and photoapp/backends/repository_memory.py for a
complete implementation in plain Python. The same contract tests run against all three.

The rules of the road:
- One psycopg_pool.ConnectionPool per repository, created in __init__ with open=False and
  min_size, max_size, timeout from the arguments (photoapp/wiring.py passes the settings
  db_pool_min, db_pool_max, db_pool_timeout) and check=ConnectionPool.check_connection.
- Nothing connects at import time or in __init__: open the pool on first use (a lock and a
  flag; Gunicorn's threads may all make the first query at once), after Gunicorn has forked.
- On first use, also apply photoapp/sql/postgres_schema.sql in a transaction that first takes
  pg_advisory_xact_lock(<a constant>): eight workers may start at once on an empty database.
- Each method is one `with pool.connection() as conn:` block: one transaction, committed at
  the end, rolled back on an exception.
- psycopg_pool.PoolTimeout and psycopg.OperationalError become photoapp.errors.Unavailable
  (the app answers 503); UniqueViolation in create_user becomes Conflict.
- SQL with %s or %(name)s placeholders only, never f-strings or % with values.
- Never check first and write second: INSERT ... ON CONFLICT DO NOTHING, and cursor.rowcount.
- The feed reads each author's newest photos through the index on photos (user_id, id DESC):
  see the guide, "Indexes and reading EXPLAIN", before you port lab 01's query as it is.
"""

from __future__ import annotations

from photoapp.models import FeedPage, NewPhoto, Photo, Profile, User

GUIDE = "see labs/03-postgresql/README.md"


def _todo(what: str) -> NotImplementedError:
    """Return the error every unwritten part of this lab raises."""
    return NotImplementedError(f"Lab 03: write {what} in {__name__} ({GUIDE})")


class PostgresRepository:
    """Users, photos, follows and likes in PostgreSQL, through a pool of connections."""

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10,
                 timeout: float = 5.0) -> None:
        """Create the pool, closed: it opens on first use, in the process that uses it."""
        raise _todo("PostgresRepository")

    def create_user(self, username: str, password_hash: str) -> User:
        """Store a new user; raise Conflict if the username is taken (UniqueViolation)."""
        raise _todo("PostgresRepository.create_user")

    def get_user(self, user_id: int) -> User | None:
        """Return the user with this id, or None."""
        raise _todo("PostgresRepository.get_user")

    def get_user_by_username(self, username: str) -> User | None:
        """Return the user with this username, or None."""
        raise _todo("PostgresRepository.get_user_by_username")

    def add_photo(self, photo: NewPhoto) -> Photo:
        """Store a photo (INSERT ... RETURNING id) and return it with its id and username."""
        raise _todo("PostgresRepository.add_photo")

    def get_photo(self, photo_id: int) -> Photo | None:
        """Return one photo with its like count, or None."""
        raise _todo("PostgresRepository.get_photo")

    def delete_photo(self, photo_id: int) -> bool:
        """Delete a photo and its likes (ON DELETE CASCADE); return False if it did not exist."""
        raise _todo("PostgresRepository.delete_photo")

    def user_photos(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return one user's photos with id < before, newest first (photos_by_user)."""
        raise _todo("PostgresRepository.user_photos")

    def feed(self, user_id: int, before: int | None, limit: int) -> FeedPage:
        """Return photos of the user and of everyone they follow, id < before, newest first."""
        raise _todo("PostgresRepository.feed")

    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Make follower follow followee (ON CONFLICT DO NOTHING); False if it already did."""
        raise _todo("PostgresRepository.follow")

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Stop following; return False if it was not following."""
        raise _todo("PostgresRepository.unfollow")

    def is_following(self, follower_id: int, followee_id: int) -> bool:
        """Tell whether follower follows followee."""
        raise _todo("PostgresRepository.is_following")

    def like(self, user_id: int, photo_id: int) -> bool:
        """Record a like (ON CONFLICT DO NOTHING); return False if the user had liked it already."""
        raise _todo("PostgresRepository.like")

    def unlike(self, user_id: int, photo_id: int) -> bool:
        """Remove a like; return False if there was none."""
        raise _todo("PostgresRepository.unlike")

    def liked_photo_ids(self, user_id: int, photo_ids: list[int]) -> set[int]:
        """Return which of these photos the user has liked (photo_id = ANY(%s))."""
        raise _todo("PostgresRepository.liked_photo_ids")

    def profile(self, user_id: int) -> Profile | None:
        """Return the user's photo, follower and following counts, or None."""
        raise _todo("PostgresRepository.profile")

    def ping(self) -> None:
        """Raise Unavailable if the database cannot answer SELECT 1 right now."""
        raise _todo("PostgresRepository.ping")

    def close(self) -> None:
        """Close the pool and every connection in it."""
        raise _todo("PostgresRepository.close")
