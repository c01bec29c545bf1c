"""Lab 03, Step 3: many requests at once lose nothing and duplicate nothing.

Every test starts its threads together (a barrier) so that they really race, and two
repositories stand for two app processes with their own pools.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from tests.helpers.repository import add_photo, add_user
from tests.lab03.conftest import count
from tests.lab03.guide import CONCURRENCY

THREADS = 16


def race(work: Callable[[int], Any], times: int) -> list[Any]:
    """Run work(0) ... work(times - 1) on THREADS threads released together; return results."""
    barrier = threading.Barrier(min(THREADS, times))

    def start_together(n: int) -> Any:
        if n < barrier.parties:
            barrier.wait(timeout=30)
        return work(n)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(start_together, range(times)))


def test_racing_likes_count_once_each(open_repository, db):
    """Users liking one photo twice each, all at once, leave one like per user: count = rows."""
    processes = [open_repository(), open_repository()]
    owner = add_user(processes[0], "owner")
    photo = add_photo(processes[0], owner)
    fans = [add_user(processes[0], f"fan{n}") for n in range(20)]
    results = race(lambda n: processes[n % 2].like(fans[n // 2].id, photo.id), 2 * len(fans))
    new_likes = sum(1 for result in results if result)
    assert new_likes == len(fans), (
        f"expected like() to return True exactly once per user ({len(fans)}), got {new_likes} "
        f"Trues; checking first and inserting second races: use INSERT ... ON CONFLICT DO "
        f"NOTHING and the row count — {CONCURRENCY}"
    )
    rows = count(db, "SELECT count(*) FROM likes WHERE photo_id = %s", photo.id)
    shown = processes[1].get_photo(photo.id).like_count
    assert rows == len(fans) == shown, (
        f"expected {len(fans)} like rows and like_count {len(fans)}, found {rows} rows and "
        f"like_count {shown} — {CONCURRENCY}"
    )


def test_racing_follows_count_once_each(open_repository, db):
    """Users following one star twice each, all at once, leave one follow per user."""
    processes = [open_repository(), open_repository()]
    star = add_user(processes[0], "star")
    fans = [add_user(processes[0], f"fan{n}") for n in range(20)]
    results = race(lambda n: processes[n % 2].follow(fans[n // 2].id, star.id), 2 * len(fans))
    new_follows = sum(1 for result in results if result)
    assert new_follows == len(fans), (
        f"expected follow() to return True exactly once per user ({len(fans)}), got "
        f"{new_follows} Trues — {CONCURRENCY}"
    )
    rows = count(db, "SELECT count(*) FROM follows WHERE followee_id = %s", star.id)
    followers = processes[1].profile(star.id).follower_count
    assert rows == len(fans) == followers, (
        f"expected {len(fans)} follow rows and follower_count {len(fans)}, found {rows} rows "
        f"and follower_count {followers} — {CONCURRENCY}"
    )


def test_racing_uploads_are_all_stored_with_distinct_ids(open_repository, db):
    """Photos added from many threads at once all get stored, each with its own id."""
    processes = [open_repository(), open_repository()]
    authors = [add_user(processes[0], f"author{n}") for n in range(4)]
    photos = race(lambda n: add_photo(processes[n % 2], authors[n % 4], f"#{n}"), 80)
    ids = [photo.id for photo in photos]
    assert len(set(ids)) == 80, (
        f"expected 80 distinct photo ids, got {len(set(ids))} — {CONCURRENCY}"
    )
    rows = count(db, "SELECT count(*) FROM photos")
    assert rows == 80, f"expected 80 rows in photos, found {rows} — {CONCURRENCY}"
    counted = sum(processes[1].profile(a.id).photo_count for a in authors)
    assert counted == 80, (
        f"expected the authors' photo counts to add up to 80, got {counted} — {CONCURRENCY}"
    )


def test_racing_sign_ups_for_one_name_make_one_user(open_repository, db):
    """Many sign-ups for one username at once: one user is created, the others get Conflict."""
    from photoapp.errors import Conflict

    processes = [open_repository(), open_repository()]

    def sign_up(n: int) -> str:
        try:
            processes[n % 2].create_user("popular", f"hash{n}")
        except Conflict:
            return "conflict"
        return "created"

    outcomes = race(sign_up, 20)
    assert outcomes.count("created") == 1, (
        f"expected exactly 1 sign-up to succeed and 19 to raise Conflict, got {outcomes}; "
        f"a UNIQUE username column decides the race, and its UniqueViolation becomes Conflict "
        f"— {CONCURRENCY}"
    )
    rows = count(db, "SELECT count(*) FROM users WHERE username = 'popular'")
    assert rows == 1, f"expected 1 user named 'popular', found {rows} — {CONCURRENCY}"


def test_counts_match_rows_after_a_mixed_race(open_repository, db):
    """Likes, unlikes, follows and uploads racing together leave every count equal to its rows."""
    processes = [open_repository(), open_repository()]
    users = [add_user(processes[0], f"user{n}") for n in range(8)]
    photos = [add_photo(processes[0], user) for user in users]

    def mixed(n: int) -> None:
        repo, me = processes[n % 2], users[n % 8]
        other = users[(n // 8 + 1 + n % 8) % 8]
        if other.id != me.id:
            repo.follow(me.id, other.id)
        repo.like(me.id, photos[n % 5].id)
        if n % 3 == 0:
            repo.unlike(me.id, photos[n % 5].id)
        if n % 4 == 0:
            add_photo(repo, me)

    race(mixed, 120)
    for photo in photos:
        rows = count(db, "SELECT count(*) FROM likes WHERE photo_id = %s", photo.id)
        shown = processes[1].get_photo(photo.id).like_count
        assert shown == rows, (
            f"expected photo {photo.id}'s like_count to equal its {rows} like rows, got {shown} "
            f"— {CONCURRENCY}"
        )
    for user in users:
        profile = processes[1].profile(user.id)
        expected = (
            count(db, "SELECT count(*) FROM photos WHERE user_id = %s", user.id),
            count(db, "SELECT count(*) FROM follows WHERE followee_id = %s", user.id),
            count(db, "SELECT count(*) FROM follows WHERE follower_id = %s", user.id),
        )
        shown = (profile.photo_count, profile.follower_count, profile.following_count)
        assert shown == expected, (
            f"expected {user.username}'s (photos, followers, following) to equal the rows "
            f"{expected}, got {shown} — {CONCURRENCY}"
        )


@contextmanager
def writes_held(url: str, table: str) -> Iterator[None]:
    """Let reads of `table` through and hold every write to it until the block ends.

    SHARE mode conflicts with the lock any INSERT takes, not with a SELECT's: code that checks
    first and inserts second gets all its checks answered ("not there yet") before any insert.
    """
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(table)))
        yield
        conn.rollback()


def writers_waiting(db: psycopg.Connection, table: str) -> int:
    """Count the connections waiting for a lock on `table`."""
    return count(
        db, "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", table
    )


def held_race(url: str, db: psycopg.Connection, table: str, calls: list[Callable[[], Any]]):
    """Run calls at once while writes to `table` are held, release them; return the results."""
    results: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        try:
            results[n] = calls[n]()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[n] = error

    with writes_held(url, table):
        threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(len(calls))]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while writers_waiting(db, table) < len(calls) and time.monotonic() < deadline:
            time.sleep(0.02)
    for thread in threads:
        thread.join(30)
    return results


def open_both(open_repository: Callable[..., Any]) -> list[Any]:
    """Two repositories (two app processes), opened: their schema step is behind them."""
    processes = [open_repository(), open_repository()]
    for process in processes:
        process.ping()  # first use creates the schema, whose CREATE INDEX would queue too
    return processes


def test_a_like_racing_itself_counts_once_every_time(open_repository, db, postgres_url):
    """Two processes liking for one user at the same moment: one True, one False, one row."""
    processes = open_both(open_repository)
    owner = add_user(processes[0], "owner")
    photo = add_photo(processes[0], owner)
    fan = add_user(processes[0], "fan")
    results = held_race(
        postgres_url, db, "likes", [lambda p=p: p.like(fan.id, photo.id) for p in processes]
    )
    rows = count(db, "SELECT count(*) FROM likes WHERE photo_id = %s", photo.id)
    assert sorted(map(repr, results)) == ["False", "True"] and rows == 1, (
        f"expected like() to return True once and False once, leaving 1 row, got {results} "
        f"and {rows} row(s): both checked before either inserted; use INSERT ... ON CONFLICT "
        f"DO NOTHING and the row count, never a SELECT first — {CONCURRENCY}"
    )


def test_a_follow_racing_itself_counts_once_every_time(open_repository, db, postgres_url):
    """Two processes following for one user at the same moment: one True, one False, one row."""
    processes = open_both(open_repository)
    star, fan = add_user(processes[0], "star"), add_user(processes[0], "fan")
    results = held_race(
        postgres_url, db, "follows", [lambda p=p: p.follow(fan.id, star.id) for p in processes]
    )
    rows = count(db, "SELECT count(*) FROM follows WHERE followee_id = %s", star.id)
    assert sorted(map(repr, results)) == ["False", "True"] and rows == 1, (
        f"expected follow() to return True once and False once, leaving 1 row, got {results} "
        f"and {rows} row(s): use INSERT ... ON CONFLICT DO NOTHING and the row count "
        f"— {CONCURRENCY}"
    )
