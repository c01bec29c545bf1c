"""Fixtures of lab 01: a SqliteRepository on a scratch file, and apps on it over HTTP.

photoapp is imported inside fixtures, never at module level: the --impl plugin decides which
tree's photoapp is imported, and a stub must fail a test, not the collection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import Api


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The SQLite file of this test."""
    return tmp_path / "photoapp.db"


@pytest.fixture
def open_repository(db_path: Path) -> Iterator[Callable[[], Any]]:
    """Open SqliteRepository objects on the test's file (several act like several processes)."""
    opened: list[Any] = []

    def open_one() -> Any:
        from photoapp.backends.repository_sqlite import SqliteRepository

        repo = SqliteRepository(db_path)
        opened.append(repo)
        return repo

    yield open_one
    for repo in opened:
        repo.close()


@pytest.fixture
def repo(open_repository: Callable[[], Any]) -> Any:
    """A SqliteRepository on a fresh file."""
    return open_repository()


@pytest.fixture
def db(repo: Any, db_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the repository's file, to look at the rows themselves."""
    conn = sqlite3.connect(db_path, timeout=10, isolation_level=None)  # autocommit
    yield conn
    conn.close()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> dict[str, Any]:
    """Settings of lab 01's stack: SQLite in a file and a media folder, in a scratch folder."""
    return {
        "database_url": "sqlite:///" + str(tmp_path / "photoapp.db"),
        "media_dir": str(tmp_path / "media"),
    }


@pytest.fixture
def sqlite_app(make_app: Callable[..., Any], sqlite_settings: dict[str, Any]) -> Any:
    """The app on lab 01's stack."""
    return make_app(**sqlite_settings)


@pytest.fixture
def api(sqlite_app: Any) -> Api:
    """The JSON API of the app on lab 01's stack."""
    return Api(sqlite_app.test_client())


@pytest.fixture
def image_api(make_app: Callable[..., Any], tmp_path: Path) -> Api:
    """The JSON API of an app on the memory repository, so image tests test images only."""
    return Api(make_app(media_dir=str(tmp_path / "media")).test_client())
