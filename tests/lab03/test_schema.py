"""Lab 03, Step 1: the schema's tables, types, constraints and indexes, seen in the catalog."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tests.helpers.repository import add_photo, add_user
from tests.lab03.conftest import count, indexes_starting_with
from tests.lab03.guide import REPOSITORY, SCHEMA

COLUMN_TYPE = """
    SELECT data_type FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = %s AND column_name = %s
"""


def test_schema_has_the_four_tables(repo, db):
    """The repository creates the tables users, photos, follows and likes on first use."""
    repo.ping()
    tables = {row[0] for row in db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )}
    missing = {"users", "photos", "follows", "likes"} - tables
    assert not missing, (
        f"expected tables users, photos, follows, likes after the repository's first query; "
        f"missing {sorted(missing)} — {SCHEMA}"
    )


def test_ids_are_64_bit(repo, db):
    """Ids and the columns that point at them are bigint (lab 08 puts 64-bit ids in them)."""
    repo.ping()
    columns = [("users", "id"), ("photos", "id"), ("photos", "user_id"),
               ("follows", "follower_id"), ("follows", "followee_id"),
               ("likes", "user_id"), ("likes", "photo_id")]
    wrong = {}
    for table, column in columns:
        row = db.execute(COLUMN_TYPE, (table, column)).fetchone()
        if row is None or row[0] != "bigint":
            wrong[f"{table}.{column}"] = row[0] if row else "missing"
    assert not wrong, f"expected bigint columns, found {wrong} — {SCHEMA}"


def test_a_double_follow_is_refused_by_the_table(repo, db):
    """The follows table itself refuses a second row for the same pair."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    repo.follow(ann.id, bob.id)
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("INSERT INTO follows (follower_id, followee_id) VALUES (%s, %s)",
                   (ann.id, bob.id))
        pytest.fail(f"the follows table accepted a second (ann, bob) row: it needs "
                    f"PRIMARY KEY (follower_id, followee_id) — {SCHEMA}")


def test_a_double_like_is_refused_by_the_table(repo, db):
    """The likes table itself refuses a second row for the same user and photo."""
    ann = add_user(repo, "ann")
    photo = add_photo(repo, ann)
    repo.like(ann.id, photo.id)
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("INSERT INTO likes (user_id, photo_id) VALUES (%s, %s)", (ann.id, photo.id))
        pytest.fail(f"the likes table accepted a second (ann, photo) row: it needs "
                    f"PRIMARY KEY (user_id, photo_id) — {SCHEMA}")


def test_deleting_a_photo_deletes_its_likes(repo, db):
    """Deleting a photo leaves no like rows pointing at it (ON DELETE CASCADE)."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    photo = add_photo(repo, ann)
    repo.like(ann.id, photo.id)
    repo.like(bob.id, photo.id)
    assert repo.delete_photo(photo.id), f"expected delete_photo() to return True — {REPOSITORY}"
    left = count(db, "SELECT count(*) FROM likes WHERE photo_id = %s", photo.id)
    assert left == 0, (
        f"expected no likes of a deleted photo, found {left}; declare likes.photo_id "
        f"REFERENCES photos (id) ON DELETE CASCADE — {SCHEMA}"
    )


def test_counts_have_their_indexes(repo, db):
    """Follower counts and like counts each have an index to count from."""
    repo.ping()
    missing = [
        what for what, table, column in [
            ("follows (followee_id, ...) for follower counts", "follows", "followee_id"),
            ("likes (photo_id, ...) for like counts", "likes", "photo_id"),
        ]
        if not indexes_starting_with(db, table, column)
    ]
    assert not missing, f"expected an index on {' and '.join(missing)} — {SCHEMA}"


def test_app_servers_starting_together_all_come_up(open_repository):
    """Eight processes opening an empty database at the same moment all create the schema."""
    repos = [open_repository() for _ in range(8)]
    barrier = threading.Barrier(len(repos))
    errors: list[str] = []

    def first_query(repo) -> None:  # type: ignore[no-untyped-def]
        barrier.wait(timeout=30)
        try:
            repo.ping()
            add_user(repo, f"user{id(repo)}")
        except Exception as error:  # noqa: BLE001 - the message names what went wrong
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=first_query, args=(repo,)) for repo in repos]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, (
        f"expected 8 repositories starting at once on an empty database to work, {len(errors)} "
        f"failed: {errors[0]}; CREATE TABLE IF NOT EXISTS is not safe when run concurrently: "
        f"take pg_advisory_xact_lock() first — {SCHEMA}"
    )
