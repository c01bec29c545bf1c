"""Fixtures of lab 08: the layout worked out by hand, a fake clock, PostgreSQL with next_id().

photoapp is imported inside fixtures and tests, never at module level: the --impl plugin
decides which tree's photoapp is imported, and a stub must fail a test, not the collection.
The tests do their own bit arithmetic, so they check the documented layout, not a helper.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

EPOCH_MS = 1_314_220_021_721  # 2011-08-24 21:07:01.721 UTC
NOW_MS = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC: a fixed "now" for faked clocks
SHARD = 1


def split(value: int) -> tuple[int, int, int]:
    """Return (ms since EPOCH_MS, shard, sequence) of an id, by the 41/13/10 layout."""
    return value >> 23, (value >> 10) & 0x1FFF, value & 0x3FF


class FakeClock:
    """A clock that stands still until someone sleeps (or spins on it for a long time)."""

    SPIN_READS = 100_000  # a generator that spins instead of sleeping still gets a new ms

    def __init__(self, ms: int = NOW_MS) -> None:
        self.ms = ms
        self.reads = 0
        self.sleeps = 0

    def __call__(self) -> int:
        """Return the faked time in ms since 1970."""
        self.reads += 1
        if self.reads % self.SPIN_READS == 0:
            self.ms += 1
        return self.ms

    def sleep(self, seconds: float) -> None:
        """Let faked time pass: at least one millisecond."""
        self.sleeps += 1
        self.ms += max(1, math.ceil(seconds * 1000))


@pytest.fixture
def clock() -> FakeClock:
    """A faked clock at NOW_MS."""
    return FakeClock()


@pytest.fixture
def faked_ids(clock: FakeClock) -> Any:
    """A SnowflakeIds on the faked clock."""
    from photoapp.backends.ids_snowflake import SnowflakeIds

    return SnowflakeIds(clock=clock, sleep=clock.sleep)


@pytest.fixture
def pg_with_next_id(postgres_url: str) -> Iterator[str]:
    """A database with the app's tables (lab 03) and shard 1's next_id() (lab 08)."""
    from photoapp.backends.ids_postgres import install_next_id
    from photoapp.backends.repository_postgres import PostgresRepository

    repo = PostgresRepository(postgres_url)
    repo.ping()  # creates the tables
    repo.close()
    with psycopg.connect(postgres_url) as conn:
        install_next_id(conn, SHARD)
    yield postgres_url


def call_next_id(url: str, count: int) -> list[int]:
    """Ask shard 1's next_id() for `count` ids in one connection."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT shard_0001.next_id() FROM generate_series(1, %s)", (count,)
        ).fetchall()
    return [row[0] for row in rows]


def sqlite_settings(path: Any, **overrides: Any) -> Any:
    """Settings of an app on a SQLite file with memory media."""
    from photoapp.settings import Settings

    values: dict[str, Any] = {
        "database_url": f"sqlite:///{path}", "media_dir": "memory://", "testing": True,
        "secret_key": "lab08-test-secret",
    }
    values.update(overrides)
    return Settings(**values)


Factory = Callable[..., Any]


@pytest.fixture
def make_pg_app(postgres_url: str) -> Iterator[Factory]:
    """Build apps on the test's PostgreSQL database; their repositories are closed afterwards."""
    apps: list[Any] = []

    def make(**overrides: Any) -> Any:
        from photoapp import create_app
        from photoapp.settings import Settings

        values: dict[str, Any] = {
            "database_url": postgres_url, "media_dir": "memory://", "testing": True,
            "secret_key": "lab08-test-secret",
        }
        values.update(overrides)
        app = create_app(Settings(**values))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["photoapp"].repo.close()
