"""Fixtures of lab 03: a PostgresRepository on a fresh database, the app on it, raw SQL.

photoapp is imported inside fixtures, never at module level: the --impl plugin decides which
tree's photoapp is imported, and a stub must fail a test, not the collection. The repository is
built by photoapp.wiring from a postgresql:// URL, exactly as create_app builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from tests.helpers.api import Api

TEST_SECRET = "lab03-test-secret"

# Indexes of a table whose first column is the given one, e.g. photos (user_id, ...).
INDEXES_STARTING_WITH = """
    SELECT index.relname
    FROM pg_index AS x
    JOIN pg_class AS index ON index.oid = x.indexrelid
    JOIN pg_class AS tab ON tab.oid = x.indrelid
    JOIN pg_attribute AS col ON col.attrelid = tab.oid AND col.attnum = x.indkey[0]
    WHERE tab.relname = %s AND col.attname = %s AND tab.relnamespace = 'public'::regnamespace
"""


@pytest.fixture
def settings_for(postgres_url: str) -> Callable[..., Any]:
    """Build Settings for a PostgreSQL database; keyword arguments override fields."""

    def make(database_url: str = postgres_url, **overrides: Any) -> Any:
        from photoapp.settings import Settings

        values: dict[str, Any] = {
            "database_url": database_url,
            "media_dir": "memory://",
            "testing": True,
            "secret_key": TEST_SECRET,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def open_repository(settings_for: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Open repositories through the wiring (each is one app process); all closed afterwards."""
    opened: list[Any] = []

    def open_one(**overrides: Any) -> Any:
        from photoapp.wiring import build_repository

        repo = build_repository(settings_for(**overrides))
        opened.append(repo)
        return repo

    yield open_one
    for repo in opened:
        repo.close()


@pytest.fixture
def repo(open_repository: Callable[..., Any]) -> Any:
    """A PostgresRepository on a fresh, empty database."""
    return open_repository()


@pytest.fixture
def db(postgres_url: str) -> Iterator[psycopg.Connection]:
    """A plain autocommit connection to the test's database, to look at the rows themselves."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def make_pg_app(settings_for: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Build apps on PostgreSQL; their repositories are closed after the test."""
    apps: list[Any] = []

    def make(**overrides: Any) -> Any:
        from photoapp import create_app

        app = create_app(settings_for(**overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["photoapp"].repo.close()


@pytest.fixture
def api(make_pg_app: Callable[..., Any]) -> Api:
    """The JSON API of an app on PostgreSQL."""
    return Api(make_pg_app().test_client())


def count(db: psycopg.Connection, query: str, *params: object) -> int:
    """Run a count(*) query on the raw database."""
    row = db.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


def indexes_starting_with(db: psycopg.Connection, table: str, column: str) -> set[str]:
    """Return the names of the indexes of `table` whose first column is `column`."""
    return {row[0] for row in db.execute(INDEXES_STARTING_WITH, (table, column))}
