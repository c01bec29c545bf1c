"""Lab 05, Step 4: read-your-writes through two app servers that share one Redis.

A write on one app server deletes the cached copies in the shared Redis, so the other server
answers with the new state at once: a user whose requests are balanced over both servers
always sees their own like, follow, upload and delete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.lab05.guide import INVALIDATION
from tests.lab05.stacks import SLOW_TEST_S, register
from workshop.services import Stack


def warm(*views: Callable[[], Any]) -> None:
    """Read each view twice, so that both servers have it in the cache."""
    for view in views:
        view()
        view()


@pytest.mark.timeout(SLOW_TEST_S)
def test_writes_on_one_server_are_read_at_once_on_the_other(redis_stack: Callable[..., Stack]):
    """Like, follow, upload and delete on app1; app2 shows each of them on the next read."""
    stack = redis_stack(app_servers=2)
    app1, app2 = (server.url for server in stack.app_servers)
    ann = register(app1, "ann")
    bob = register(app1, "bob")
    photo = ann.upload("ann's first")
    ann2, bob2 = ann.on(app2), bob.on(app2)

    def photo_on_2() -> Any:
        return bob2.json("GET", f"/api/photos/{photo['id']}")

    def bobs_feed_on_2() -> list[int]:
        return [p["id"] for p in bob2.json("GET", "/api/feed")["photos"]]

    def anns_profile_on_2() -> Any:
        return bob2.json("GET", f"/api/users/{ann.username}")

    warm(photo_on_2, bobs_feed_on_2, anns_profile_on_2)

    bob.json("POST", f"/api/photos/{photo['id']}/like")
    seen = photo_on_2()
    expect(seen["like_count"] == 1 and seen["liked"] is True, "bob's like",
           "like_count 1 and liked true", f"like_count {seen['like_count']}, liked {seen['liked']}")

    bob.json("POST", f"/api/users/{ann.username}/follow")
    profile = anns_profile_on_2()
    expect(profile["following"] is True and profile["follower_count"] == 1, "bob's follow",
           "following true and follower_count 1",
           f"following {profile['following']}, follower_count {profile['follower_count']}")
    feed = bobs_feed_on_2()
    expect(photo["id"] in feed, "bob's follow", f"ann's photo {photo['id']} in bob's feed",
           f"feed {feed}")

    warm(lambda: ann2.json("GET", "/api/feed"),
         lambda: ann2.json("GET", f"/api/users/{ann.username}"))
    second = ann.upload("ann's second")
    own_feed = [p["id"] for p in ann2.json("GET", "/api/feed")["photos"]]
    expect(own_feed[:1] == [second["id"]], "ann's upload",
           f"photo {second['id']} first in her feed", f"feed {own_feed}")
    count = ann2.json("GET", f"/api/users/{ann.username}")["photo_count"]
    expect(count == 2, "ann's upload", "photo_count 2 on her profile", f"photo_count {count}")

    warm(lambda: ann2.call("GET", f"/api/photos/{second['id']}"))
    ann.json("DELETE", f"/api/photos/{second['id']}")
    gone = ann2.call("GET", f"/api/photos/{second['id']}")
    expect(gone.status_code == 404, "ann's delete", "404 for the deleted photo",
           f"{gone.status_code} {gone.text[:100]}")
    own_feed = [p["id"] for p in ann2.json("GET", "/api/feed")["photos"]]
    expect(second["id"] not in own_feed, "ann's delete", "the photo gone from her feed",
           f"feed {own_feed}")

    bob.json("DELETE", f"/api/photos/{photo['id']}/like")
    seen = photo_on_2()
    expect(seen["like_count"] == 0 and seen["liked"] is False, "bob's unlike",
           "like_count 0 and liked false",
           f"like_count {seen['like_count']}, liked {seen['liked']}")


def expect(ok: bool, write: str, wanted: str, got: str) -> None:
    """Fail with what the other server should have shown after a write on the first."""
    assert ok, (
        f"after {write} on app1, expected app2 to show {wanted} at once, got {got}: the write "
        f"must delete every cached copy it changed, in the Redis both servers share "
        f"({INVALIDATION})"
    )
