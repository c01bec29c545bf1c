"""Lab 01, Step 2: many threads at once (the dev server and Gunicorn both serve on threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.helpers.api import Api
from tests.helpers.images import make_jpeg
from tests.helpers.repository import add_photo, add_user
from tests.lab01.guide import REPOSITORY

THREADS = 12
HTTP_THREADS = 6  # each needs an account, and password hashing is slow on purpose


def at_once(work: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    """Run work(i) for i in range(n) on n threads released together; return results or errors."""
    start = threading.Barrier(n)

    def run(i: int) -> Any:
        start.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the test reports every thread's error
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def errors_in(results: list[Any]) -> list[str]:
    """Describe the exceptions among thread results."""
    return [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]


def test_threads_liking_at_once_keep_the_count_right(repo, db):
    """Twelve users liking one photo at the same moment make twelve likes, no errors."""
    owner = add_user(repo, "owner")
    photo = add_photo(repo, owner)
    fans = [add_user(repo, f"fan{i}") for i in range(THREADS)]
    results = at_once(lambda i: repo.like(fans[i].id, photo.id))
    assert not errors_in(results), (
        f"expected no errors from concurrent likes, got {errors_in(results)[:3]}: never share "
        f"a connection between threads, and set a busy timeout (sqlite3.connect(path, "
        f"timeout=5)) so a writer waits instead of failing with 'database is locked' "
        f"— {REPOSITORY}"
    )
    rows = db.execute("SELECT COUNT(*) FROM likes WHERE photo_id = ?", (photo.id,)).fetchone()[0]
    got = repo.get_photo(photo.id).like_count
    assert rows == THREADS and got == THREADS, (
        f"expected {THREADS} likes, got like_count={got} and {rows} rows — {REPOSITORY}"
    )


def test_one_user_liking_from_many_threads_counts_once(repo):
    """The same like sent by twelve threads at once is stored once; exactly one call says True."""
    ann = add_user(repo, "ann")
    photo = add_photo(repo, ann)
    results = at_once(lambda i: repo.like(ann.id, photo.id))
    assert not errors_in(results), (
        f"expected no errors, got {errors_in(results)[:3]} — {REPOSITORY}"
    )
    assert results.count(True) == 1 and repo.get_photo(photo.id).like_count == 1, (
        f"expected exactly one True and like_count 1, got {results} and "
        f"{repo.get_photo(photo.id).like_count}: let the PRIMARY KEY decide, not a SELECT "
        f"before the INSERT — {REPOSITORY}"
    )


def test_two_repositories_write_the_same_file_at_once(open_repository):
    """Two repositories on one file (two app processes) writing at once both succeed."""
    first, second = open_repository(), open_repository()
    ann = add_user(first, "ann")
    repos = [first, second] * (THREADS // 2)

    def post_five(i: int) -> list[int]:
        return [add_photo(repos[i], ann).id for _ in range(5)]

    results = at_once(post_five)
    assert not errors_in(results), (
        f"expected no errors from concurrent writers, got {errors_in(results)[:3]}: set a busy "
        f"timeout (sqlite3.connect(..., timeout=5)) and WAL — {REPOSITORY}"
    )
    posted = [photo_id for batch in results for photo_id in batch]
    stored = first.profile(ann.id).photo_count
    assert len(set(posted)) == stored == THREADS * 5, (
        f"expected {THREADS * 5} distinct ids and photos, got {len(set(posted))} ids and "
        f"{stored} photos — {REPOSITORY}"
    )


def test_concurrent_likes_over_http(sqlite_app):
    """Users liking one photo at once through the API all count."""
    api = Api(sqlite_app.test_client())
    owner = api.account("owner")
    photo_id = api.photo_id(owner, make_jpeg())
    fans = [api.account(f"fan{i}") for i in range(HTTP_THREADS)]

    def like(i: int) -> int:
        return Api(sqlite_app.test_client()).like(fans[i], photo_id).status_code

    statuses = at_once(like, HTTP_THREADS)
    assert statuses == [200] * HTTP_THREADS, (
        f"expected {HTTP_THREADS} answers 200, got {statuses} — {REPOSITORY}"
    )
    count = api.get(owner, f"/api/photos/{photo_id}").get_json()["like_count"]
    assert count == HTTP_THREADS, (
        f"expected like_count {HTTP_THREADS}, got {count} — {REPOSITORY}"
    )
