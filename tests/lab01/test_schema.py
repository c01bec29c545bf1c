"""Lab 01, Step 1 and 2: the schema's constraints, seen through the port and in the rows."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.repository import add_photo, add_user
from tests.lab01.guide import REPOSITORY, SCHEMA


def count(db: sqlite3.Connection, sql: str, *params: object) -> int:
    """Run a COUNT(*) query on the raw file."""
    return int(db.execute(sql, params).fetchone()[0])


def copy_rows(db: sqlite3.Connection, table: str) -> None:
    """Insert a copy of every row of a table, all columns but a surrogate `id`."""
    columns = ", ".join(row[1] for row in db.execute(f"PRAGMA table_info({table})")
                        if row[1] != "id")
    # Only identifiers read from the schema itself go into this SQL text, never values.
    db.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}")


def test_schema_has_the_four_tables(repo, db):
    """The schema creates the tables users, photos, follows and likes."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = {"users", "photos", "follows", "likes"} - tables
    assert not missing, (
        f"expected tables users, photos, follows and likes; missing {sorted(missing)} — {SCHEMA}"
    )


def test_database_uses_wal(repo, db):
    """The repository switches the file to WAL, so readers do not wait for the writer."""
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal", f"expected journal_mode 'wal', got {mode!r} — {REPOSITORY}"


def test_a_double_follow_is_impossible(repo, db):
    """Following twice returns False the second time, and the table refuses a duplicate row."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    first, second = repo.follow(ann.id, bob.id), repo.follow(ann.id, bob.id)
    assert (first, second) == (True, False), (
        f"expected follow() to return True then False, got {first} then {second} — {REPOSITORY}"
    )
    rows = count(db, "SELECT COUNT(*) FROM follows")
    assert rows == 1, f"expected 1 row in follows after following twice, found {rows} — {SCHEMA}"
    with pytest.raises(sqlite3.IntegrityError):
        copy_rows(db, "follows")
        pytest.fail(f"the follows table accepted a copy of an existing row: it needs a PRIMARY "
                    f"KEY (follower_id, followee_id) — {SCHEMA}")


def test_a_double_like_is_impossible(repo, db):
    """Liking twice returns False the second time, and the table refuses a duplicate row."""
    ann = add_user(repo, "ann")
    photo = add_photo(repo, ann)
    first, second = repo.like(ann.id, photo.id), repo.like(ann.id, photo.id)
    assert (first, second) == (True, False), (
        f"expected like() to return True then False, got {first} then {second} — {REPOSITORY}"
    )
    rows = count(db, "SELECT COUNT(*) FROM likes")
    assert rows == 1, f"expected 1 row in likes after liking twice, found {rows} — {SCHEMA}"
    with pytest.raises(sqlite3.IntegrityError):
        copy_rows(db, "likes")
        pytest.fail(f"the likes table accepted a copy of an existing row: it needs a PRIMARY "
                    f"KEY (user_id, photo_id) — {SCHEMA}")


def test_usernames_are_unique(repo):
    """Creating a user with a taken username raises Conflict."""
    from photoapp.errors import Conflict

    add_user(repo, "ann")
    try:
        add_user(repo, "ann")
    except Conflict:
        return
    except Exception as exc:  # noqa: BLE001 - say what came instead of Conflict
        pytest.fail(f"expected Conflict for a second user named 'ann', got {exc!r}: catch "
                    f"sqlite3.IntegrityError and raise Conflict — {REPOSITORY}")
    pytest.fail(f"expected Conflict for a second user named 'ann', got none: username needs "
                f"UNIQUE — {SCHEMA}")


def test_like_counts_match_the_rows(repo, db):
    """A photo's like_count is the number of rows in likes, after likes and unlikes."""
    owner = add_user(repo, "owner")
    photo = add_photo(repo, owner)
    fans = [add_user(repo, f"fan{i}") for i in range(5)]
    for fan in fans:
        repo.like(fan.id, photo.id)
    repo.unlike(fans[0].id, photo.id)
    assert repo.unlike(fans[0].id, photo.id) is False, (
        f"expected unlike() of a like already removed to return False — {REPOSITORY}"
    )
    rows = count(db, "SELECT COUNT(*) FROM likes WHERE photo_id = ?", photo.id)
    got = repo.get_photo(photo.id).like_count
    assert rows == 4 and got == 4, (
        f"expected 4 likes after 5 likes and 1 unlike, got like_count={got} and {rows} rows "
        f"— {REPOSITORY}"
    )


def test_profile_counts_match_the_rows(repo):
    """A profile counts the user's photos, followers and followings."""
    ann, bob, cat = add_user(repo, "ann"), add_user(repo, "bob"), add_user(repo, "cat")
    add_photo(repo, ann)
    add_photo(repo, ann)
    add_photo(repo, bob)
    repo.follow(bob.id, ann.id)
    repo.follow(cat.id, ann.id)
    repo.follow(ann.id, cat.id)
    profile = repo.profile(ann.id)
    got = (profile.photo_count, profile.follower_count, profile.following_count)
    assert got == (2, 2, 1), (
        f"expected ann's (photos, followers, following) to be (2, 2, 1), got {got} — {REPOSITORY}"
    )
    assert profile.user.username == "ann", (
        f"expected the profile of ann, got {profile.user} — {REPOSITORY}"
    )


def test_deleting_a_photo_deletes_its_likes(repo, db):
    """Deleting a photo removes its likes too (ON DELETE CASCADE with foreign keys on)."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    photo = add_photo(repo, ann)
    repo.like(ann.id, photo.id)
    repo.like(bob.id, photo.id)
    deleted = repo.delete_photo(photo.id)
    assert deleted is True, f"expected delete_photo() to return True, got {deleted} — {REPOSITORY}"
    after = repo.get_photo(photo.id)
    assert after is None, (
        f"expected get_photo() of a deleted photo to be None, got {after} — {REPOSITORY}"
    )
    left = count(db, "SELECT COUNT(*) FROM likes WHERE photo_id = ?", photo.id)
    assert left == 0, (
        f"expected the deleted photo's likes to be gone, {left} rows are left: declare photo_id "
        f"with ON DELETE CASCADE and run PRAGMA foreign_keys = ON on every connection — {SCHEMA}"
    )
    assert repo.delete_photo(photo.id) is False, (
        f"expected delete_photo() of a deleted photo to return False — {REPOSITORY}"
    )


def test_photo_ids_grow_and_are_never_reused(repo):
    """Photo ids grow over time, even after the newest photo is deleted."""
    ann = add_user(repo, "ann")
    first, second = add_photo(repo, ann), add_photo(repo, ann)
    assert second.id > first.id, (
        f"expected ids to grow, got {first.id} then {second.id} — {SCHEMA}"
    )
    repo.delete_photo(second.id)
    third = add_photo(repo, ann)
    assert third.id > second.id, (
        f"expected a new photo to get an id above {second.id} (deleted), got {third.id}: an "
        f"id must never be reused, or a cursor could skip photos; use AUTOINCREMENT — {SCHEMA}"
    )


def test_a_photo_comes_back_as_it_was_stored(repo):
    """Every field of a photo survives the round trip, including the owner's username."""
    ann = add_user(repo, "ann")
    caption = "Sunset over the bay \N{SUNRISE} — l'été"
    stored = add_photo(repo, ann, caption=caption, width=1024, height=768)
    loaded = repo.get_photo(stored.id)
    assert abs(loaded.created_at - stored.created_at) < timedelta(seconds=1), (
        f"expected created_at {stored.created_at} back, got {loaded.created_at} — {REPOSITORY}"
    )
    assert replace(loaded, created_at=stored.created_at) == stored, (
        f"expected get_photo() to return {stored}, got {loaded} — {REPOSITORY}"
    )
    assert (loaded.username, loaded.caption, loaded.width, loaded.height, loaded.like_count) == (
        "ann", caption, 1024, 768, 0
    ), f"expected username, caption, size and like_count to round-trip, got {loaded} — {REPOSITORY}"


def test_times_are_aware_utc(repo):
    """created_at comes back as a timezone-aware UTC datetime, close to now."""
    ann = add_user(repo, "ann")
    photo = add_photo(repo, ann)
    now = datetime.now(UTC)
    for label, value in (("user", repo.get_user(ann.id).created_at),
                         ("photo", repo.get_photo(photo.id).created_at)):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), (
            f"expected the {label}'s created_at in UTC with its timezone, got {value!r}: store "
            f"datetime.now(UTC).isoformat() and parse it with datetime.fromisoformat — {REPOSITORY}"
        )
        assert abs(now - value) < timedelta(minutes=5), (
            f"expected the {label}'s created_at to be about now ({now}), got {value} — {REPOSITORY}"
        )


def test_unknown_ids_are_none_or_false(repo):
    """Lookups of missing things return None, and removing missing things returns False."""
    ann = add_user(repo, "ann")
    results = {
        "get_user(999)": repo.get_user(999),
        "get_user_by_username('nobody')": repo.get_user_by_username("nobody"),
        "get_photo(999)": repo.get_photo(999),
        "profile(999)": repo.profile(999),
        "delete_photo(999)": repo.delete_photo(999),
        "unfollow(ann, 999)": repo.unfollow(ann.id, 999),
        "unlike(ann, 999)": repo.unlike(ann.id, 999),
        "is_following(ann, 999)": repo.is_following(ann.id, 999),
    }
    wrong = {call: value for call, value in results.items() if value not in (None, False)}
    assert not wrong, f"expected None or False for missing ids, got {wrong} — {REPOSITORY}"


def test_quotes_in_data_are_just_text(repo, db):
    """Values with quotes and SQL in them are stored verbatim (bound parameters, not f-strings)."""
    evil = "o'brien\"); DROP TABLE photos; --"
    user = add_user(repo, evil)
    photo = add_photo(repo, user, caption=evil)
    assert repo.get_user_by_username(evil) == user, (
        f"expected to find the user named {evil!r}; build SQL with ? placeholders — {REPOSITORY}"
    )
    assert repo.get_photo(photo.id).caption == evil, f"expected the caption verbatim — {REPOSITORY}"
    photos = count(db, "SELECT COUNT(*) FROM photos")
    assert photos == 1, f"expected 1 row in photos, found {photos} — {REPOSITORY}"
