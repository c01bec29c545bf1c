"""Lab 01, Step 2: the feed query, newest first, paged with a cursor (never an offset)."""

from __future__ import annotations

from tests.helpers.repository import add_photo, add_user, ids, walk
from tests.lab01.guide import FEED


def test_feed_has_own_and_followees_photos_only(repo):
    """The feed shows your photos and those of people you follow, nobody else's."""
    ann, bob, cat = add_user(repo, "ann"), add_user(repo, "bob"), add_user(repo, "cat")
    mine = add_photo(repo, ann)
    bobs = add_photo(repo, bob)
    add_photo(repo, cat)  # ann does not follow cat
    repo.follow(ann.id, bob.id)
    repo.follow(cat.id, ann.id)  # cat follows ann: that puts nothing of cat's in ann's feed
    got = ids(repo.feed(ann.id, None, 20))
    assert got == [bobs.id, mine.id], (
        f"expected ann's feed to be [bob's photo {bobs.id}, her own {mine.id}], got {got} — {FEED}"
    )


def test_feed_is_newest_first(repo):
    """The feed is ordered by id, newest (largest) first."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    repo.follow(ann.id, bob.id)
    posted = [add_photo(repo, author).id for author in (ann, bob, bob, ann, bob)]
    got = ids(repo.feed(ann.id, None, 20))
    assert got == sorted(posted, reverse=True), (
        f"expected newest first {sorted(posted, reverse=True)}, got {got}: ORDER BY id DESC "
        f"— {FEED}"
    )


def test_cursor_paging_walks_the_whole_feed(repo):
    """Following next_before page by page gives every photo once, in order, then None."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    repo.follow(ann.id, bob.id)
    posted = sorted((add_photo(repo, author).id for author in (ann, bob) * 4), reverse=True)
    pages = walk(lambda before, limit: repo.feed(ann.id, before, limit), 3)
    assert pages == [posted[0:3], posted[3:6], posted[6:8]], (
        f"expected pages of 3, 3 and 2 photos {posted}, got {pages}: next_before is the id of "
        f"the last photo of a page, and None on the last page — {FEED}"
    )


def test_a_full_last_page_has_no_next_cursor(repo):
    """When exactly `limit` photos are left, the page has no next cursor (fetch limit + 1 rows)."""
    ann = add_user(repo, "ann")
    for _ in range(4):
        add_photo(repo, ann)
    page = repo.feed(ann.id, None, 4)
    assert len(page.photos) == 4 and page.next_before is None, (
        f"expected 4 photos and next_before None, got {len(page.photos)} photos and "
        f"next_before={page.next_before}: ask for limit + 1 rows to know if a next page exists "
        f"— {FEED}"
    )


def test_before_is_exclusive(repo):
    """before=<id> returns only photos with a smaller id."""
    ann = add_user(repo, "ann")
    posted = [add_photo(repo, ann).id for _ in range(5)]
    got = ids(repo.feed(ann.id, posted[2], 20))
    assert got == [posted[1], posted[0]], (
        f"expected the photos below id {posted[2]}: {[posted[1], posted[0]]}, got {got} — {FEED}"
    )


def test_new_photos_do_not_shift_the_next_page(repo):
    """A photo posted while you scroll repeats nothing on the next page (cursor, not offset)."""
    ann = add_user(repo, "ann")
    posted = sorted((add_photo(repo, ann).id for _ in range(6)), reverse=True)
    first = repo.feed(ann.id, None, 3)
    add_photo(repo, ann)  # someone posts between the two requests
    second = repo.feed(ann.id, first.next_before, 3)
    assert ids(second) == posted[3:6], (
        f"expected the second page to be {posted[3:6]}, got {ids(second)}: with OFFSET a new "
        f"photo pushes the last one of page 1 onto page 2; use WHERE id < before — {FEED}"
    )


def test_deleted_photos_do_not_skip_the_next_page(repo):
    """A photo deleted while you scroll makes the next page skip nothing (cursor, not offset)."""
    ann = add_user(repo, "ann")
    posted = sorted((add_photo(repo, ann).id for _ in range(6)), reverse=True)
    first = repo.feed(ann.id, None, 3)
    repo.delete_photo(posted[0])
    second = repo.feed(ann.id, first.next_before, 3)
    assert ids(second) == posted[3:6], (
        f"expected the second page to be {posted[3:6]}, got {ids(second)}: with OFFSET a "
        f"deleted photo makes page 2 skip one; use WHERE id < before — {FEED}"
    )


def test_unfollowing_removes_photos_from_the_feed(repo):
    """After unfollowing, that user's photos leave your feed."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    add_photo(repo, bob)
    repo.follow(ann.id, bob.id)
    followed = ids(repo.feed(ann.id, None, 20))
    assert len(followed) == 1, f"expected bob's photo in ann's feed, got {followed} — {FEED}"
    repo.unfollow(ann.id, bob.id)
    got = ids(repo.feed(ann.id, None, 20))
    assert got == [], f"expected an empty feed after unfollowing bob, got {got} — {FEED}"


def test_feed_photos_carry_usernames_and_like_counts(repo):
    """Each photo in the feed has its author's username and its like count."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    repo.follow(ann.id, bob.id)
    photo = add_photo(repo, bob)
    repo.like(ann.id, photo.id)
    repo.like(bob.id, photo.id)
    [got] = repo.feed(ann.id, None, 20).photos
    assert (got.username, got.like_count) == ("bob", 2), (
        f"expected username 'bob' and like_count 2, got {got.username!r} and {got.like_count}: "
        f"join users and count likes in the feed query — {FEED}"
    )


def test_liked_photo_ids_picks_the_liked_ones(repo):
    """liked_photo_ids returns exactly the photos of the list that the user liked."""
    ann = add_user(repo, "ann")
    photos = [add_photo(repo, ann).id for _ in range(4)]
    repo.like(ann.id, photos[1])
    repo.like(ann.id, photos[3])
    got = repo.liked_photo_ids(ann.id, photos[:3])
    assert got == {photos[1]}, f"expected {{{photos[1]}}}, got {got} — {FEED}"
    empty = repo.liked_photo_ids(ann.id, [])
    assert empty == set(), f"expected set() for an empty list, got {empty!r} — {FEED}"


def test_user_photos_are_one_users_photos_paged(repo):
    """user_photos pages through one user's photos, newest first, with the same cursor rules."""
    ann, bob = add_user(repo, "ann"), add_user(repo, "bob")
    repo.follow(ann.id, bob.id)
    anns = sorted((add_photo(repo, ann).id for _ in range(5)), reverse=True)
    add_photo(repo, bob)
    pages = walk(lambda before, limit: repo.user_photos(ann.id, before, limit), 2)
    assert pages == [anns[0:2], anns[2:4], anns[4:5]], (
        f"expected ann's photos in pages {[anns[0:2], anns[2:4], anns[4:5]]}, got {pages} — {FEED}"
    )


def test_before_zero_is_a_cursor_too(repo):
    """before=0 is a valid cursor: nothing has an id below 0, so the page is empty."""
    ann = add_user(repo, "ann")
    for _ in range(3):
        add_photo(repo, ann)
    feed, own = repo.feed(ann.id, 0, 20), repo.user_photos(ann.id, 0, 20)
    assert ids(feed) == [] and ids(own) == [], (
        f"expected no photos below id 0, got feed {ids(feed)} and user photos {ids(own)}: "
        f"test `before is None`, not `not before` (0 is a cursor, not a missing one) — {FEED}"
    )
