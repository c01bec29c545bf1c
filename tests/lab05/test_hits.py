"""Lab 05, Steps 3 and 5: a cache hit does not touch the database, and a hot key is loaded once.

A CountingRepository between CachedRepository and the memory repository counts every call
that would have been a database query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.app.test_services import fake_processor
from tests.helpers.repository import add_photo, add_user
from tests.lab05.counting import CountingRepository
from tests.lab05.guide import CACHE_ASIDE, STAMPEDE

READERS = 200
MAX_LOADS = 2
LOAD_S = 0.05  # a database query under load takes a while: long enough for a stampede


def service_over(repo: Any) -> Any:
    """The app's use cases (photoapp/services.py) over `repo`, as create_app composes them."""
    from photoapp.backends.blobstore_memory import MemoryBlobStore
    from photoapp.backends.photo_owners_memory import MemoryPhotoOwners
    from photoapp.services import PhotoService

    return PhotoService(repo=repo, blobs=MemoryBlobStore(), process_image=fake_processor,
                        owners=MemoryPhotoOwners())


def seed(base: Any) -> tuple[list[Any], list[int]]:
    """5 users who all follow each other, 6 photos each, every user liking a few."""
    users = [add_user(base, f"user{n}") for n in range(5)]
    photos = [add_photo(base, user).id for user in users for _ in range(6)]
    for user in users:
        for other in users:
            if other is not user:
                base.follow(user.id, other.id)
        for photo_id in photos[user.id % 3::4]:
            base.like(user.id, photo_id)
    return users, photos


def test_a_warm_feed_costs_no_database_call(memory_cached):
    """At steady state, feed, photo, profile and user-photo pages are served by the cache."""
    from photoapp.backends.repository_memory import MemoryRepository

    base = MemoryRepository()
    users, photos = seed(base)
    counting = CountingRepository(base)
    service = service_over(memory_cached(counting))

    def browse() -> int:
        """Every user opens their feed, a photo and a profile: return the number of pages."""
        pages = 0
        for user in users:
            service.feed_view(user.id)
            service.photo_view(user.id, photos[user.id])
            service.profile_view(user.id, users[0].username)
            service.user_photos_view(user.id, users[1].username)
            pages += 4
        return pages

    browse()  # cold: fills the cache
    uncached = sum(counting.calls.values())
    counting.reset()
    pages = sum(browse() for _ in range(5))
    calls = counting.reads()
    assert calls <= pages // 10, (
        f"expected at most {pages // 10} repository calls for {pages} pages at steady state "
        f"(the cold pass made {uncached}), got {calls}: {dict(counting.calls)}. Cache every "
        f"read a page makes, liked_photo_ids included ({CACHE_ASIDE})"
    )


def test_a_cold_page_costs_what_it_would_without_cache(memory_cached):
    """A cold feed page asks the repository for the page once, not once per photo."""
    from photoapp.backends.repository_memory import MemoryRepository

    base = MemoryRepository()
    users, _ = seed(base)
    counting = CountingRepository(base)
    service = service_over(memory_cached(counting))
    service.feed_view(users[0].id)
    calls = counting.reads()
    assert calls <= 3, (
        f"expected a cold feed page to cost at most 3 repository calls (the page, the likes), "
        f"got {calls}: {dict(counting.calls)} ({CACHE_ASIDE})"
    )


def stampede(repo: Any, read: Callable[[], Any]) -> list[Any]:
    """Let READERS threads call `read` at the same moment; return what each got."""
    barrier = threading.Barrier(READERS)
    results: list[Any] = [None] * READERS
    errors: list[BaseException] = []

    def reader(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = read()
        except BaseException as error:  # reported below, not lost in a thread
            errors.append(error)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


@pytest.mark.timeout(120)
@pytest.mark.parametrize("cache_kind", ["memory", "redis"])
def test_a_cold_hot_photo_is_loaded_once(request, cache_kind):
    """200 readers of one photo that is not cached cause at most 2 loads from the repository."""
    from photoapp.backends.repository_cached import CachedRepository
    from photoapp.backends.repository_memory import MemoryRepository
    from tests.contracts.conftest import CACHES

    base = MemoryRepository()
    photo = add_photo(base, add_user(base, "celebrity"))
    counting = CountingRepository(base, slow={"get_photo": LOAD_S})
    repo = CachedRepository(counting, CACHES[cache_kind](request))
    try:
        results = stampede(repo, lambda: repo.get_photo(photo.id))
    finally:
        repo.close()
    wrong = [r for r in results if r is None or r.id != photo.id]
    assert not wrong, f"expected every reader to get photo {photo.id}, {len(wrong)} did not"
    loads = counting.calls["get_photo"]
    assert loads <= MAX_LOADS, (
        f"expected at most {MAX_LOADS} loads of the photo for {READERS} readers at once on a "
        f"{cache_kind} cache, got {loads}: the others must wait for the first load ({STAMPEDE})"
    )
