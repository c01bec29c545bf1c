"""Lab 01 end to end: the JSON API on the single box (SQLite file plus a media folder)."""

from __future__ import annotations

import os

from tests.helpers.images import make_jpeg, make_png, open_bytes
from tests.lab01.guide import FEED, IMAGES, REPOSITORY

ELEVEN_MB = 11 * 1024 * 1024


def test_register_upload_follow_like_and_read_the_feed(api):
    """The whole story over HTTP: two users, a follow, an upload, a like, the feed and profiles."""
    ann, bob = api.account("ann"), api.account("bob")
    photo_id = api.photo_id(bob, make_jpeg((300, 200)), caption="first light")
    assert api.follow(ann, "bob").status_code == 200, f"expected 200 following bob — {REPOSITORY}"
    liked = api.like(ann, photo_id)
    assert liked.status_code == 200 and liked.get_json()["like_count"] == 1, (
        f"expected 200 and like_count 1 after a like, got {liked.status_code} "
        f"{liked.get_json()} — {REPOSITORY}"
    )
    [photo] = api.feed(ann)["photos"]
    assert (photo["id"], photo["username"], photo["caption"], photo["liked"]) == (
        photo_id, "bob", "first light", True
    ), f"expected bob's photo, liked by ann, in her feed, got {photo} — {FEED}"
    bob_profile = api.profile(ann, "bob")
    counts = (bob_profile["photo_count"], bob_profile["follower_count"], bob_profile["following"])
    assert counts == (1, 1, True), (
        f"expected bob's profile to show 1 photo, 1 follower and that ann follows him, got "
        f"{bob_profile} — {REPOSITORY}"
    )


def test_likes_and_follows_count_once_over_http(api):
    """Liking or following twice through the API changes nothing the second time."""
    ann, bob = api.account("ann"), api.account("bob")
    photo_id = api.photo_id(bob, make_jpeg())
    api.like(ann, photo_id)
    second = api.like(ann, photo_id)
    api.follow(ann, "bob")
    api.follow(ann, "bob")
    assert second.status_code == 200 and second.get_json()["like_count"] == 1, (
        f"expected a second like to answer 200 with like_count still 1, got "
        f"{second.status_code} {second.get_json()} — {REPOSITORY}"
    )
    followers = api.profile(ann, "bob")["follower_count"]
    assert followers == 1, (
        f"expected 1 follower after following twice, got {followers} — {REPOSITORY}"
    )


def test_feed_pages_over_http(api):
    """GET /api/feed?limit=2, then ?before=<next>, walks every photo newest first to null."""
    ann = api.account("ann")
    posted = [api.photo_id(ann, make_jpeg()) for _ in range(5)]
    pages = api.whole_feed(ann, limit=2)
    newest_first = sorted(posted, reverse=True)
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]], (
        f"expected pages {[newest_first[0:2], newest_first[2:4], newest_first[4:5]]}, got "
        f"{pages} — {FEED}"
    )


def test_deleting_a_photo_over_http(api):
    """Deleting your photo removes it from the feed and its image; others may not delete it."""
    ann, bob = api.account("ann"), api.account("bob")
    photo_id = api.photo_id(ann, make_png())
    api.like(bob, photo_id)
    forbidden = api.delete(bob, f"/api/photos/{photo_id}")
    assert forbidden.status_code == 403, (
        f"expected 403 when bob deletes ann's photo, got {forbidden.status_code} — {REPOSITORY}"
    )
    deleted = api.delete(ann, f"/api/photos/{photo_id}")
    assert deleted.status_code == 200, (
        f"expected 200 deleting your own photo, got {deleted.status_code} — {REPOSITORY}"
    )
    statuses = [api.get(ann, f"/api/photos/{photo_id}{suffix}").status_code
                for suffix in ("", "/image", "/thumbnail")]
    assert statuses == [404, 404, 404] and api.feed(ann)["photos"] == [], (
        f"expected 404 for the deleted photo, its image and thumbnail and an empty feed, got "
        f"{statuses} — {REPOSITORY}"
    )


def test_a_taken_username_is_409(api):
    """Registering a taken username answers 409 Conflict."""
    api.account("ann")
    again = api.register("ann")
    assert again.status_code == 409, (
        f"expected 409 for a taken username, got {again.status_code}: catch "
        f"sqlite3.IntegrityError and raise Conflict — {REPOSITORY}"
    )


def test_an_upload_over_10_mb_is_refused_with_413(api, sqlite_settings):
    """An 11 MB upload gets 413 and stores nothing; a normal upload still works afterwards."""
    ann = api.account("ann")
    too_big = api.upload(ann, os.urandom(ELEVEN_MB))
    assert too_big.status_code == 413, (
        f"expected 413 for an 11 MB upload, got {too_big.status_code} — {IMAGES}"
    )
    stored = api.feed(ann)["photos"]
    assert stored == [], f"expected no photo after a refused upload, found {stored} — {IMAGES}"
    photo_id = api.photo_id(ann, make_jpeg((500, 400)))
    served = api.get(ann, f"/api/photos/{photo_id}/thumbnail")
    assert served.status_code == 200 and max(open_bytes(served.data).size) <= 320, (
        f"expected a thumbnail of at most 320 px after a normal upload, got {served.status_code}"
        f" — {IMAGES}"
    )
