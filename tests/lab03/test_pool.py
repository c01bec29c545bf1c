"""Lab 03, Step 2: the pool is sized from settings, and a pool that runs dry answers 503.

To keep the app's connections busy, a test locks the users table from another connection:
every request that reads users then waits in the database, holding its pooled connection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from tests.helpers.api import Api
from tests.lab03.conftest import count
from tests.lab03.guide import POOL


@contextmanager
def users_locked(url: str) -> Iterator[int]:
    """Hold an exclusive lock on users until the block ends; yield the locking backend's pid."""
    with psycopg.connect(url) as conn:
        conn.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        yield conn.info.backend_pid
        conn.rollback()


def app_backends(db: psycopg.Connection, *not_these: int) -> int:
    """Count the server processes connected to the test's database, except ours."""
    return count(
        db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND NOT pid = ANY(%s)",
        list(not_these),
    )


def waiting_on_lock(db: psycopg.Connection) -> int:
    """Count the requests stuck behind the lock."""
    return count(
        db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'",
    )


def in_threads(calls: list[Callable[[], Any]]) -> list[threading.Thread]:
    """Start each call on its own daemon thread."""
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    return threads


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll a condition until it holds or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_pool_never_opens_more_than_db_pool_max(make_pg_app, db, postgres_url):
    """With db_pool_max = 3, ten stuck requests hold at most 3 connections to PostgreSQL."""
    app = make_pg_app(db_pool_max=3, db_pool_min=1, db_pool_timeout=10.0)
    ann = Api(app.test_client()).account("ann")
    statuses: list[int] = []

    def read_profile() -> None:
        statuses.append(Api(app.test_client()).get(ann, "/api/users/ann").status_code)

    with users_locked(postgres_url) as locker:
        threads = in_threads([read_profile] * 10)
        wait_for(lambda: waiting_on_lock(db) >= 3, 10)
        time.sleep(0.5)  # give a pool that ignores its limit the time to open more
        opened = app_backends(db, locker)
    for thread in threads:
        thread.join(30)
    assert 1 <= opened <= 3, (
        f"expected at most 3 connections (db_pool_max=3) while 10 requests waited, found "
        f"{opened}; create the pool with max_size=settings.db_pool_max — {POOL}"
    )
    assert statuses == [200] * 10, (
        f"expected all 10 requests to succeed once the lock was released, got {statuses} — {POOL}"
    )


def test_a_dry_pool_answers_503_not_a_hang(make_pg_app, db, postgres_url):
    """When no connection frees up within db_pool_timeout, the request gets a quick 503."""
    app = make_pg_app(db_pool_max=1, db_pool_min=1, db_pool_timeout=1.0)
    ann = Api(app.test_client()).account("ann")
    first: list[int] = []
    with users_locked(postgres_url):
        threads = in_threads(
            [lambda: first.append(Api(app.test_client()).get(ann, "/api/users/ann").status_code)]
        )
        assert wait_for(lambda: waiting_on_lock(db) >= 1, 10), (
            f"expected a request to wait for the locked users table — {POOL}"
        )
        started = time.monotonic()
        response = Api(app.test_client()).get(ann, "/api/users/ann")
        took = time.monotonic() - started
    for thread in threads:
        thread.join(30)
    assert response.status_code == 503, (
        f"expected 503 when the only pooled connection stayed busy past db_pool_timeout=1, got "
        f"{response.status_code}: {response.get_data(as_text=True)[:200]}; catch "
        f"psycopg_pool.PoolTimeout and raise photoapp.errors.Unavailable — {POOL}"
    )
    assert took < 5, (
        f"expected the 503 after about db_pool_timeout=1 s, it took {took:.1f} s; pass "
        f"timeout=settings.db_pool_timeout to the pool — {POOL}"
    )
    assert first == [200], (
        f"expected the request that held the connection to finish with 200, got {first} — {POOL}"
    )


def test_a_connection_broken_mid_request_answers_503(make_pg_app, db, postgres_url):
    """A connection that dies during a query (psycopg.OperationalError) gives 503, not 500."""
    app = make_pg_app(db_pool_max=2, db_pool_min=1, db_pool_timeout=5.0)
    ann = Api(app.test_client()).account("ann")
    answers: list[int] = []
    with users_locked(postgres_url) as locker:
        threads = in_threads(
            [lambda: answers.append(Api(app.test_client()).get(ann, "/api/users/ann").status_code)]
        )
        assert wait_for(lambda: waiting_on_lock(db) >= 1, 10), (
            f"expected a request to wait for the locked users table — {POOL}"
        )
        # The server ends the connection the request is using, as a crash or restart would.
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> %s",
            (locker,),
        )
        for thread in threads:
            thread.join(30)
    assert answers == [503], (
        f"expected 503 for a request whose connection broke mid-query, got {answers}: catch "
        f"psycopg.OperationalError around your queries and raise photoapp.errors.Unavailable "
        f"— {POOL}"
    )
    after = Api(app.test_client()).get(ann, "/api/users/ann").status_code
    assert after == 200, (
        f"expected the next request to succeed on a fresh connection, got {after}: create the "
        f"pool with check=ConnectionPool.check_connection — {POOL}"
    )
