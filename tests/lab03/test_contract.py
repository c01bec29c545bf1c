"""Lab 03, Steps 2 and 3: the Repository contract of tests/contracts/, on PostgreSQL only.

The same tests that define the port for the memory and SQLite adapters, collected here with
`repository` bound to your PostgresRepository, so they count for lab 03.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts.test_repository import *  # noqa: F403 - every contract test, collected here


@pytest.fixture
def repository(repo: Any) -> Any:
    """The contract's adapter: a PostgresRepository on a fresh, empty database."""
    return repo


def test_before_zero_is_a_cursor_too(repo: Any) -> None:
    """before=0 is a valid cursor: nothing has an id below 0, so the page is empty."""
    from tests.helpers.repository import add_photo, add_user, ids
    from tests.lab03.guide import REPOSITORY

    ann = add_user(repo, "ann")
    for _ in range(3):
        add_photo(repo, ann)
    feed, own = repo.feed(ann.id, 0, 20), repo.user_photos(ann.id, 0, 20)
    assert ids(feed) == [] and ids(own) == [], (
        f"expected no photos below id 0, got feed {ids(feed)} and user photos {ids(own)}: "
        f"test `before is None`, not `not before` (0 is a cursor, not a missing one) "
        f"— {REPOSITORY}"
    )
