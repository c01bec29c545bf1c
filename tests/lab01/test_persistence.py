"""Lab 01, Step 2: the data lives in the file, and survives the process that wrote it."""

from __future__ import annotations

from tests.helpers.api import Api
from tests.helpers.images import make_jpeg
from tests.helpers.repository import add_photo, add_user, ids
from tests.lab01.guide import REPOSITORY


def test_a_new_repository_on_the_same_file_sees_everything(open_repository):
    """Users, photos, follows and likes written by one repository are read by the next one."""
    first = open_repository()
    ann, bob = add_user(first, "ann"), add_user(first, "bob")
    photo = add_photo(first, bob, caption="kept")
    first.follow(ann.id, bob.id)
    first.like(ann.id, photo.id)
    first.close()

    again = open_repository()  # like a restarted app: the schema is applied a second time
    assert again.get_user_by_username("ann") == ann, (
        f"expected user ann to be read back after a restart — {REPOSITORY}"
    )
    assert again.is_following(ann.id, bob.id), f"expected the follow to survive — {REPOSITORY}"
    got = again.feed(ann.id, None, 20)
    assert ids(got) == [photo.id] and got.photos[0].like_count == 1, (
        f"expected ann's feed to hold photo {photo.id} with 1 like after a restart, got "
        f"{got.photos}: are the schema statements CREATE TABLE IF NOT EXISTS? — {REPOSITORY}"
    )


def test_the_database_folder_is_created(tmp_path):
    """The repository creates the folder of its file if it does not exist yet."""
    from photoapp.backends.repository_sqlite import SqliteRepository

    path = tmp_path / "not" / "there" / "yet.db"
    repo = SqliteRepository(path)
    try:
        add_user(repo, "ann")
        assert path.exists(), f"expected the database file at {path} — {REPOSITORY}"
    finally:
        repo.close()


def test_an_app_restart_keeps_users_photos_and_likes(make_app, sqlite_settings):
    """A second app on the same file and media folder sees what the first one stored."""
    before = Api(make_app(**sqlite_settings).test_client())
    ann, bob = before.account("ann"), before.account("bob")
    photo_id = before.photo_id(bob, make_jpeg(), caption="survives")
    before.follow(ann, "bob")
    before.like(ann, photo_id)

    after = Api(make_app(**sqlite_settings).test_client())  # a restart: a new app, same files
    login = after.login("ann")
    assert login.status_code == 200, (
        f"expected ann to log in after a restart, got {login.status_code} — {REPOSITORY}"
    )
    feed = after.feed(ann)
    assert [(p["id"], p["caption"], p["like_count"]) for p in feed["photos"]] == [
        (photo_id, "survives", 1)
    ], f"expected the photo with its caption and 1 like after a restart, got {feed} — {REPOSITORY}"
    image = after.get(ann, f"/api/photos/{photo_id}/image")
    assert image.status_code == 200 and image.data, (
        f"expected the image bytes after a restart, got {image.status_code} — {REPOSITORY}"
    )
