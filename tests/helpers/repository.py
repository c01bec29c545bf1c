"""Shortcuts for driving any Repository adapter through its port in tests."""

from __future__ import annotations

import itertools
from typing import Any

_keys = itertools.count(1)


def add_user(repo: Any, username: str) -> Any:
    """Create a user with a dummy hash and return it."""
    return repo.create_user(username, "not-a-real-hash")


def add_photo(repo: Any, user: Any, caption: str = "", width: int = 640,
              height: int = 480) -> Any:
    """Store a photo for a user, with fresh storage keys, and return it."""
    from photoapp.models import NewPhoto  # lazily: the --impl tree decides which photoapp

    n = next(_keys)
    return repo.add_photo(NewPhoto(
        user_id=user.id,
        caption=caption,
        image_key=f"photos/test{n:06d}.jpg",
        thumbnail_key=f"thumbs/test{n:06d}.jpg",
        content_type="image/jpeg",
        width=width,
        height=height,
    ))


def ids(page: Any) -> list[int]:
    """Return the photo ids of a FeedPage, in order."""
    return [photo.id for photo in page.photos]


def walk(fetch: Any, limit: int) -> list[list[int]]:
    """Follow a paged query's cursor to the end: fetch(before, limit) -> FeedPage."""
    pages, before = [], None
    for _ in range(1000):  # a bound, so a cursor that never ends fails instead of hanging
        page = fetch(before, limit)
        pages.append(ids(page))
        before = page.next_before
        if before is None:
            return pages
    raise AssertionError("next_before never became None")
