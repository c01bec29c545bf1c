"""Lab 05, Steps 3 and 4: a warm cache answers like the repository after every write.

The contract tests start from an empty cache. Here the cache is warm: every read is made once
(so it is cached), then a write, then every read again through CachedRepository and straight
from the repository underneath. They must agree, except the feeds of people other than the
writer, which may lag by up to feed_ttl (the guide says why).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.repository import add_photo, add_user, ids
from tests.lab05.guide import CACHE_ASIDE, INVALIDATION

FEED = "feed({}), first page"


def reads(repo: Any, users: list[Any], photo_ids: list[int], writer: Any) -> dict[str, Any]:
    """Every answer the app reads from a repository, by a name that says which read it was."""
    answers: dict[str, Any] = {}
    for user in users:
        answers[f"get_user({user.username})"] = repo.get_user(user.id)
        answers[f"get_user_by_username({user.username})"] = repo.get_user_by_username(
            user.username
        )
        answers[f"profile({user.username})"] = repo.profile(user.id)
        page = repo.user_photos(user.id, None, 20)
        answers[f"user_photos({user.username})"] = (ids(page), page.next_before)
        answers[f"liked_photo_ids({user.username})"] = repo.liked_photo_ids(user.id, photo_ids)
        for other in users:
            answers[f"is_following({user.username}, {other.username})"] = repo.is_following(
                user.id, other.id
            )
    for photo_id in photo_ids:
        answers[f"get_photo({photo_id})"] = repo.get_photo(photo_id)
    feed = repo.feed(writer.id, None, 20)
    answers[FEED.format(writer.username)] = (
        [(p.id, p.like_count) for p in feed.photos], feed.next_before
    )
    return answers


def first_difference(cached: dict[str, Any], truth: dict[str, Any], own_feed: bool) -> str:
    """Describe the first read where the cache and the repository disagree.

    The writer's feed must be exact after their own follow, upload or delete; after a like it
    may still lack someone else's newer photo (feed_ttl), but its like counts must be right.
    """
    for name, expected in truth.items():
        got = cached[name]
        if name.startswith("feed(") and not own_feed:
            counts = dict(expected[0])
            got = [(pid, n) for pid, n in got[0] if pid in counts]
            expected = [(pid, counts[pid]) for pid, _ in got]
        if got != expected:
            return f"{name}: expected {expected!r}, got {got!r} from the cache"
    return ""


def test_every_read_is_fresh_after_each_write(memory_cached):
    """After each like, follow, upload and delete, a warm cache answers like the repository."""
    from photoapp.backends.repository_memory import MemoryRepository

    base = MemoryRepository()
    repo = memory_cached(base)
    ann, bob, cat = (add_user(base, name) for name in ("ann", "bob", "cat"))
    users = [ann, bob, cat]
    photos = [add_photo(base, owner).id for owner in (ann, bob, bob, cat)]
    base.follow(cat.id, bob.id)
    new: list[int] = []

    def upload(owner: Any) -> None:
        new.append(add_photo(repo, owner).id)

    like, own = False, True  # does the write refresh the writer's own feed at once?
    writes = [
        ("bob likes ann's photo", bob, like, lambda: repo.like(bob.id, photos[0])),
        ("cat likes it too", cat, like, lambda: repo.like(cat.id, photos[0])),
        ("bob unlikes it", bob, like, lambda: repo.unlike(bob.id, photos[0])),
        ("ann follows bob", ann, own, lambda: repo.follow(ann.id, bob.id)),
        ("bob uploads a photo", bob, own, lambda: upload(bob)),
        ("ann likes bob's new photo", ann, like, lambda: repo.like(ann.id, new[0])),
        ("bob deletes the photo ann liked", bob, own, lambda: repo.delete_photo(new[0])),
        ("ann unfollows bob", ann, own, lambda: repo.unfollow(ann.id, bob.id)),
        ("cat deletes her photo", cat, own, lambda: repo.delete_photo(photos[3])),
        ("ann follows cat", ann, own, lambda: repo.follow(ann.id, cat.id)),
        ("ann uploads a photo", ann, own, lambda: upload(ann)),
    ]
    for what, writer, own_feed, write in writes:
        every_photo = photos + new
        reads(repo, users, every_photo, writer)  # warm: each read is cached now
        write()
        cached = reads(repo, users, every_photo, writer)
        truth = reads(base, users, every_photo, writer)
        problem = first_difference(cached, truth, own_feed)
        assert not problem, (
            f"after '{what}', the cache gave a stale answer: {problem}. Every write must delete "
            f"the cached copies it changed ({INVALIDATION})"
        )


def test_cached_models_are_equal_to_the_repositorys(memory_cached):
    """A cached user, photo and profile compare equal to the repository's (times included)."""
    from photoapp.backends.repository_memory import MemoryRepository

    base = MemoryRepository()
    repo = memory_cached(base)
    ann = add_user(base, "ann")
    photo = add_photo(base, ann, caption="caf\N{LATIN SMALL LETTER E WITH ACUTE}")
    for _ in range(2):  # the first read fills the cache, the second comes from it
        got = (repo.get_user(ann.id), repo.get_user_by_username("ann"), repo.get_photo(photo.id),
               repo.profile(ann.id))
        want = (base.get_user(ann.id), base.get_user_by_username("ann"),
                base.get_photo(photo.id), base.profile(ann.id))
        assert got == want, (
            f"expected the repository's models {want!r}, got {got!r}: keep every field, and "
            f"created_at as an aware datetime (datetime.fromisoformat) ({CACHE_ASIDE})"
        )


@pytest.mark.parametrize("ttl", [1, 2])
def test_entries_expire(memory_cached, ttl):
    """With no write at all, a change made behind the cache's back shows after the TTL."""
    import time

    from photoapp.backends.repository_memory import MemoryRepository

    base = MemoryRepository()
    repo = memory_cached(base, ttl=ttl, feed_ttl=ttl)
    ann, bob = add_user(base, "ann"), add_user(base, "bob")
    photo = add_photo(base, ann)
    assert repo.get_photo(photo.id).like_count == 0
    base.like(bob.id, photo.id)  # behind the cache's back: nothing is invalidated
    time.sleep(ttl * 1.1 + 1.1)  # the TTL plus its jitter, plus Memcached-style rounding
    assert repo.get_photo(photo.id).like_count == 1, (
        f"expected a cached photo to expire after ttl={ttl} s (with ~10 % jitter), but it was "
        f"still the old copy ({CACHE_ASIDE})"
    )
