"""The Repository contract: what every adapter (memory, SQLite, PostgreSQL ...) must do.

Stated once, run against each adapter of tests/contracts/conftest.py. Ids are compared by
order, never by value: an adapter may number from 1, or from a 64-bit snowflake.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.repository import add_photo, add_user, ids, walk


def test_create_user_returns_the_stored_user(repository):
    """create_user returns the user, and both lookups find the same user."""
    user = repository.create_user("ann", "hash-of-ann")
    assert (user.username, user.password_hash) == ("ann", "hash-of-ann")
    assert user.created_at.tzinfo is not None, f"created_at must be aware, got {user.created_at!r}"
    assert abs(datetime.now(UTC) - user.created_at) < timedelta(minutes=5)
    assert repository.get_user(user.id) == user
    assert repository.get_user_by_username("ann") == user


def test_taken_usernames_raise_conflict(repository):
    """A second user with the same username raises Conflict, and the first one is kept."""
    from photoapp.errors import Conflict

    first = add_user(repository, "ann")
    with pytest.raises(Conflict):
        repository.create_user("ann", "another-hash")
    assert repository.get_user_by_username("ann") == first


def test_unknown_things_are_none(repository):
    """Lookups of ids and names that do not exist return None."""
    assert repository.get_user(424242) is None
    assert repository.get_user_by_username("nobody") is None
    assert repository.get_photo(424242) is None
    assert repository.profile(424242) is None


def test_add_photo_returns_the_stored_photo(repository):
    """add_photo returns the photo with an id, the owner's username and no likes."""
    ann = add_user(repository, "ann")
    photo = add_photo(repository, ann, caption="hello \N{EARTH GLOBE EUROPE-AFRICA}",
                      width=1024, height=768)
    assert (photo.user_id, photo.username, photo.caption, photo.width, photo.height,
            photo.content_type, photo.like_count) == (
        ann.id, "ann", "hello \N{EARTH GLOBE EUROPE-AFRICA}", 1024, 768, "image/jpeg", 0
    )
    assert photo.image_key != photo.thumbnail_key
    loaded = repository.get_photo(photo.id)
    assert loaded is not None
    assert abs(loaded.created_at - photo.created_at) < timedelta(seconds=1)
    assert replace(loaded, created_at=photo.created_at) == photo


def test_photo_ids_grow_and_are_never_reused(repository):
    """A user's later photo has a larger id, even after the newest one is deleted."""
    ann = add_user(repository, "ann")
    first, second = add_photo(repository, ann), add_photo(repository, ann)
    assert second.id > first.id
    repository.delete_photo(second.id)
    assert add_photo(repository, ann).id > second.id


def test_delete_photo_removes_it_everywhere(repository):
    """A deleted photo is gone from lookups, feeds, profiles and likes; a second delete is False."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    kept, gone = add_photo(repository, ann), add_photo(repository, ann)
    repository.follow(bob.id, ann.id)
    repository.like(bob.id, gone.id)
    assert repository.delete_photo(gone.id) is True
    assert repository.get_photo(gone.id) is None
    assert ids(repository.feed(bob.id, None, 20)) == [kept.id]
    assert ids(repository.user_photos(ann.id, None, 20)) == [kept.id]
    assert repository.profile(ann.id).photo_count == 1
    assert repository.liked_photo_ids(bob.id, [gone.id, kept.id]) == set()
    assert repository.delete_photo(gone.id) is False


def test_follow_unfollow_and_is_following(repository):
    """follow and unfollow say whether they changed anything; is_following tells the state."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    assert repository.is_following(ann.id, bob.id) is False
    assert repository.follow(ann.id, bob.id) is True
    assert repository.follow(ann.id, bob.id) is False
    assert repository.is_following(ann.id, bob.id) is True
    assert repository.is_following(bob.id, ann.id) is False, "following is one way"
    assert repository.unfollow(ann.id, bob.id) is True
    assert repository.unfollow(ann.id, bob.id) is False
    assert repository.is_following(ann.id, bob.id) is False


def test_like_unlike_and_counts(repository):
    """like and unlike say whether they changed anything, and like_count follows."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    photo = add_photo(repository, ann)
    assert repository.like(ann.id, photo.id) is True
    assert repository.like(ann.id, photo.id) is False
    assert repository.like(bob.id, photo.id) is True
    assert repository.get_photo(photo.id).like_count == 2
    assert repository.unlike(ann.id, photo.id) is True
    assert repository.unlike(ann.id, photo.id) is False
    assert repository.get_photo(photo.id).like_count == 1


def test_liked_photo_ids(repository):
    """liked_photo_ids returns the liked photos among those asked about, for that user only."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    one, two, three = (add_photo(repository, ann) for _ in range(3))
    repository.like(ann.id, one.id)
    repository.like(ann.id, three.id)
    repository.like(bob.id, two.id)
    assert repository.liked_photo_ids(ann.id, [one.id, two.id, three.id]) == {one.id, three.id}
    assert repository.liked_photo_ids(ann.id, [two.id]) == set()
    assert repository.liked_photo_ids(ann.id, []) == set()


def test_profile_counts(repository):
    """A profile counts photos, followers and followings."""
    ann, bob, cat = (add_user(repository, name) for name in ("ann", "bob", "cat"))
    for _ in range(3):
        add_photo(repository, ann)
    repository.follow(bob.id, ann.id)
    repository.follow(cat.id, ann.id)
    repository.follow(ann.id, bob.id)
    profile = repository.profile(ann.id)
    assert profile.user == ann
    assert (profile.photo_count, profile.follower_count, profile.following_count) == (3, 2, 1)
    empty = repository.profile(cat.id)
    assert (empty.photo_count, empty.follower_count, empty.following_count) == (0, 0, 1)


def test_feed_is_own_and_followees_photos_newest_first(repository):
    """The feed holds the user's and followees' photos, by id descending, nobody else's."""
    ann, bob, cat = (add_user(repository, name) for name in ("ann", "bob", "cat"))
    repository.follow(ann.id, bob.id)
    repository.follow(cat.id, ann.id)
    expected = [add_photo(repository, author).id for author in (ann, bob, ann, bob)]
    add_photo(repository, cat)
    assert ids(repository.feed(ann.id, None, 20)) == sorted(expected, reverse=True)
    assert ids(repository.feed(bob.id, None, 20)) == sorted(expected[1::2], reverse=True)


def test_feed_pages_with_a_cursor(repository):
    """Pages of `limit` photos; next_before is the last id of a page and None after the last."""
    ann = add_user(repository, "ann")
    posted = sorted((add_photo(repository, ann).id for _ in range(7)), reverse=True)
    assert walk(lambda before, limit: repository.feed(ann.id, before, limit), 3) == [
        posted[0:3], posted[3:6], posted[6:7]
    ]
    first = repository.feed(ann.id, None, 3)
    assert first.next_before == posted[2]
    assert repository.feed(ann.id, None, 7).next_before is None, "an exact last page has no next"
    assert ids(repository.feed(ann.id, posted[0], 1)) == [posted[1]], "before is exclusive"
    assert ids(repository.feed(ann.id, posted[-1], 5)) == [], "nothing below the oldest"


def test_feed_cursor_ignores_later_changes(repository):
    """A cursor page is the same whether photos were posted or deleted above it meanwhile."""
    ann = add_user(repository, "ann")
    posted = sorted((add_photo(repository, ann).id for _ in range(6)), reverse=True)
    first = repository.feed(ann.id, None, 3)
    add_photo(repository, ann)
    repository.delete_photo(posted[0])
    assert ids(repository.feed(ann.id, first.next_before, 3)) == posted[3:6]


def test_feed_photos_carry_username_and_like_count(repository):
    """Photos in a feed page have their author's username and their like count."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    repository.follow(ann.id, bob.id)
    photo = add_photo(repository, bob)
    repository.like(ann.id, photo.id)
    [got] = repository.feed(ann.id, None, 20).photos
    assert (got.id, got.username, got.like_count) == (photo.id, "bob", 1)


def test_unfollow_takes_photos_out_of_the_feed(repository):
    """After unfollowing, the other user's photos leave the feed."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    add_photo(repository, bob)
    repository.follow(ann.id, bob.id)
    repository.unfollow(ann.id, bob.id)
    assert ids(repository.feed(ann.id, None, 20)) == []


def test_user_photos_pages_one_users_photos(repository):
    """user_photos returns one user's photos, newest first, with the same cursor rules."""
    ann, bob = add_user(repository, "ann"), add_user(repository, "bob")
    repository.follow(ann.id, bob.id)
    posted = sorted((add_photo(repository, ann).id for _ in range(5)), reverse=True)
    add_photo(repository, bob)
    assert walk(lambda before, limit: repository.user_photos(ann.id, before, limit), 2) == [
        posted[0:2], posted[2:4], posted[4:5]
    ]
    assert ids(repository.user_photos(bob.id, posted[0], 20)) == [], "before applies here too"


def test_ping_answers(repository):
    """ping returns quietly while the store is up."""
    assert repository.ping() is None


def test_every_port_method_is_there_with_its_parameters(repository):
    """The adapter has every method of the Repository protocol, with the same parameter names."""
    import inspect

    from photoapp.ports import Repository

    wanted = {name: inspect.signature(member) for name, member in vars(Repository).items()
              if callable(member) and not name.startswith("_")}
    for name, signature in wanted.items():
        method = getattr(repository, name, None)
        assert callable(method), f"{type(repository).__name__} has no method {name}()"
        expected = [p for p in signature.parameters if p != "self"]
        assert list(inspect.signature(method).parameters) == expected, (
            f"{type(repository).__name__}.{name}{inspect.signature(method)} should take {expected}"
        )
