"""The use cases in photoapp/services.py, on memory adapters and a fake image processor."""

from __future__ import annotations

import re
from typing import Any

import pytest

TINY = b"pretend these are image bytes"


def fake_processor(data: bytes) -> Any:
    """Accept anything: the service's own rules are under test, not Pillow's."""
    from photoapp.models import ProcessedImage

    return ProcessedImage(image=b"full:" + data, thumbnail=b"thumb:" + data,
                          content_type="image/png", extension="png", width=4, height=3)


@pytest.fixture
def blobs() -> Any:
    """An empty MemoryBlobStore."""
    from photoapp.backends.blobstore_memory import MemoryBlobStore

    return MemoryBlobStore()


@pytest.fixture
def repo() -> Any:
    """An empty MemoryRepository."""
    from photoapp.backends.repository_memory import MemoryRepository

    return MemoryRepository()


@pytest.fixture
def service(repo: Any, blobs: Any) -> Any:
    """PhotoService on memory adapters with the fake processor."""
    from photoapp.services import PhotoService

    return PhotoService(repo=repo, blobs=blobs, process_image=fake_processor)


def test_register_lowercases_and_hashes(service):
    """Usernames are stored lower case; the password is stored hashed, never as given."""
    user = service.register("  Ann_1 ", "a long password")
    assert user.username == "ann_1"
    assert "a long password" not in user.password_hash
    assert service.authenticate("ANN_1", "a long password").id == user.id


@pytest.mark.parametrize("username", ["ab", "x" * 31, "ann smith", "ann!", "émile", ""])
def test_register_refuses_bad_usernames(service, username):
    """Usernames are 3-30 characters of a-z, 0-9 and _."""
    from photoapp.errors import InvalidInput

    with pytest.raises(InvalidInput):
        service.register(username, "a long password")


def test_register_refuses_short_passwords(service):
    """Passwords shorter than 8 characters are refused."""
    from photoapp.errors import InvalidInput

    with pytest.raises(InvalidInput):
        service.register("ann", "short")


def test_register_refuses_taken_usernames(service):
    """A taken username, in any case, raises Conflict."""
    from photoapp.errors import Conflict

    service.register("ann", "a long password")
    with pytest.raises(Conflict):
        service.register("ANN", "another password")


@pytest.mark.parametrize(("username", "password"), [("ann", "wrong password"), ("nobody", "x")])
def test_authenticate_refuses_wrong_credentials(service, username, password):
    """A wrong password and an unknown user both raise Unauthorized, with the same message."""
    from photoapp.errors import Unauthorized

    service.register("ann", "a long password")
    with pytest.raises(Unauthorized, match="wrong username or password"):
        service.authenticate(username, password)


def test_upload_stores_both_files_under_generated_keys(service, blobs):
    """An upload stores image and thumbnail under random keys with the processor's extension."""
    user = service.register("ann", "a long password")
    photo = service.upload(user.id, TINY, "  a caption  ")
    assert photo.caption == "a caption"
    assert re.fullmatch(r"photos/[0-9a-f]{32}\.png", photo.image_key), photo.image_key
    assert re.fullmatch(r"thumbs/[0-9a-f]{32}\.png", photo.thumbnail_key), photo.thumbnail_key
    assert blobs.get(photo.image_key) == b"full:" + TINY
    assert blobs.get(photo.thumbnail_key) == b"thumb:" + TINY
    other = service.upload(user.id, TINY, "")
    assert other.image_key != photo.image_key, "every upload gets a fresh key"


def test_upload_refuses_empty_files_and_long_captions(service, blobs):
    """An empty file or a caption over 500 characters is refused before anything is stored."""
    from photoapp.errors import InvalidInput

    user = service.register("ann", "a long password")
    with pytest.raises(InvalidInput):
        service.upload(user.id, b"", "")
    with pytest.raises(InvalidInput):
        service.upload(user.id, TINY, "x" * 501)
    assert blobs.keys() == []


def test_a_refused_image_stores_nothing(repo, blobs):
    """When the processor refuses an image, no blob and no row is written."""
    from photoapp.errors import InvalidImage
    from photoapp.services import PhotoService

    def refuse(data: bytes) -> Any:
        raise InvalidImage("not an image")

    service = PhotoService(repo=repo, blobs=blobs, process_image=refuse)
    user = service.register("ann", "a long password")
    with pytest.raises(InvalidImage):
        service.upload(user.id, TINY, "")
    assert blobs.keys() == [] and service.feed(user.id).photos == []


def test_blobs_are_swept_when_the_row_cannot_be_written(repo, blobs):
    """If the repository fails to record the photo, the stored files are deleted again."""
    from photoapp.services import PhotoService

    class BrokenRepository(type(repo)):  # type: ignore[misc]
        def add_photo(self, photo: Any) -> Any:
            raise RuntimeError("database went away")

    broken = BrokenRepository()
    service = PhotoService(repo=broken, blobs=blobs, process_image=fake_processor)
    user = service.register("ann", "a long password")
    with pytest.raises(RuntimeError):
        service.upload(user.id, TINY, "")
    assert blobs.keys() == []


def test_only_the_owner_deletes_a_photo(service, blobs):
    """Deleting another user's photo is Forbidden; the owner's delete removes row and files."""
    from photoapp.errors import Forbidden, NotFound

    ann = service.register("ann", "a long password")
    bob = service.register("bob", "a long password")
    photo = service.upload(ann.id, TINY, "")
    with pytest.raises(Forbidden):
        service.delete_photo(bob.id, photo.id)
    service.delete_photo(ann.id, photo.id)
    assert blobs.keys() == []
    with pytest.raises(NotFound):
        service.get_photo(photo.id)


def test_follow_rules(service):
    """You cannot follow yourself or an unknown user; following twice is harmless."""
    from photoapp.errors import InvalidInput, NotFound

    ann = service.register("ann", "a long password")
    service.register("bob", "a long password")
    with pytest.raises(InvalidInput):
        service.follow(ann.id, "ann")
    with pytest.raises(NotFound):
        service.follow(ann.id, "nobody")
    assert service.follow(ann.id, "bob") is True
    assert service.follow(ann.id, "BOB") is False
    assert service.is_following(ann.id, "bob") is True
    assert service.profile("bob").follower_count == 1


def test_likes_return_the_new_count(service):
    """like and unlike return the photo with its count; liking twice counts once."""
    from photoapp.errors import NotFound

    ann = service.register("ann", "a long password")
    photo = service.upload(ann.id, TINY, "")
    assert service.like(ann.id, photo.id).like_count == 1
    assert service.like(ann.id, photo.id).like_count == 1
    assert service.unlike(ann.id, photo.id).like_count == 0
    with pytest.raises(NotFound):
        service.like(ann.id, 424242)


@pytest.mark.parametrize(("asked", "used"), [(None, 20), (1, 1), (50, 50), (500, 50)])
def test_page_sizes_are_clamped(service, asked, used):
    """Feed pages default to 20 photos and never exceed 50."""
    ann = service.register("ann", "a long password")
    for _ in range(55):
        service.upload(ann.id, TINY, "")
    assert len(service.feed(ann.id, None, asked).photos) == used


def test_a_page_size_below_one_is_refused(service):
    """limit=0 is a bad request, not an empty page."""
    from photoapp.errors import InvalidInput

    ann = service.register("ann", "a long password")
    with pytest.raises(InvalidInput):
        service.feed(ann.id, None, 0)


def test_unknown_profiles_are_not_found(service):
    """Profiles and photo lists of unknown users raise NotFound."""
    from photoapp.errors import NotFound

    with pytest.raises(NotFound):
        service.profile("nobody")
    with pytest.raises(NotFound):
        service.user_photos("nobody")


class BrokenOwners:
    """A photo owners map whose server is down."""

    def set_owners(self, owners: Any) -> None:
        raise ConnectionError("owners map down")

    def owner_of(self, photo_id: int) -> int | None:
        raise ConnectionError("owners map down")

    def forget(self, photo_id: int) -> None:
        raise ConnectionError("owners map down")

    def close(self) -> None:
        """Nothing to close."""


@pytest.fixture
def owners() -> Any:
    """An empty MemoryPhotoOwners."""
    from photoapp.backends.photo_owners_memory import MemoryPhotoOwners

    return MemoryPhotoOwners()


def test_uploads_are_recorded_in_the_owners_map(repo, blobs, owners):
    """An upload records photo id -> user id; a delete forgets it."""
    from photoapp.services import PhotoService

    service = PhotoService(repo=repo, blobs=blobs, process_image=fake_processor, owners=owners)
    ann = service.register("ann", "a long password")
    photo = service.upload(ann.id, TINY, "")
    assert owners.owner_of(photo.id) == ann.id
    service.delete_photo(ann.id, photo.id)
    assert owners.owner_of(photo.id) is None


def test_the_owners_map_refuses_without_the_database(repo, blobs, owners):
    """Deleting someone else's photo is refused from the map, before the photo is read."""
    from photoapp.errors import Forbidden
    from photoapp.services import PhotoService

    service = PhotoService(repo=repo, blobs=blobs, process_image=fake_processor, owners=owners)
    ann, bob = service.register("ann", "a long password"), service.register("bob", "a long pass")
    photo = service.upload(ann.id, TINY, "")
    reads = []
    real_get_photo = repo.get_photo
    repo.get_photo = lambda photo_id: reads.append(photo_id) or real_get_photo(photo_id)
    with pytest.raises(Forbidden):
        service.delete_photo(bob.id, photo.id)
    assert reads == [], "the photo's row was read although the map knew its owner"


def test_an_empty_owners_map_falls_back_to_the_repository(repo, blobs, owners):
    """A photo the map does not know (Redis restarted empty) is looked up, and remembered."""
    from photoapp.errors import Forbidden
    from photoapp.services import PhotoService

    plain = PhotoService(repo=repo, blobs=blobs, process_image=fake_processor)
    ann, bob = plain.register("ann", "a long password"), plain.register("bob", "a long pass")
    photo = plain.upload(ann.id, TINY, "")  # recorded nowhere
    service = PhotoService(repo=repo, blobs=blobs, process_image=fake_processor, owners=owners)
    with pytest.raises(Forbidden):
        service.delete_photo(bob.id, photo.id)
    assert owners.owner_of(photo.id) == ann.id
    service.delete_photo(ann.id, photo.id)
    assert repo.get_photo(photo.id) is None


def test_a_broken_owners_map_never_fails_a_request(repo, blobs):
    """When the map's server is down, uploads and deletes work from the repository."""
    from photoapp.errors import Forbidden, NotFound
    from photoapp.services import PhotoService

    service = PhotoService(repo=repo, blobs=blobs, process_image=fake_processor,
                           owners=BrokenOwners())
    ann, bob = service.register("ann", "a long password"), service.register("bob", "a long pass")
    photo = service.upload(ann.id, TINY, "")
    with pytest.raises(Forbidden):
        service.delete_photo(bob.id, photo.id)
    service.delete_photo(ann.id, photo.id)
    with pytest.raises(NotFound):
        service.delete_photo(ann.id, photo.id)


def test_view_use_cases_return_what_a_page_shows(service):
    """photo_view, feed_view and profile_page carry the photo, the page and the liked ids."""
    ann, bob = service.register("ann", "a long password"), service.register("bob", "a long pass")
    photo = service.upload(ann.id, TINY, "")
    service.follow(bob.id, "ann")
    service.like(bob.id, photo.id)
    assert service.photo_view(bob.id, photo.id).liked is True
    assert service.photo_view(ann.id, photo.id).liked is False
    feed = service.feed_view(bob.id)
    assert [p.id for p in feed.page.photos] == [photo.id] and feed.liked == {photo.id}
    page = service.profile_page(bob.id, "ann")
    assert page.profile.following is True and page.profile.profile.follower_count == 1
    assert [p.id for p in page.photos.page.photos] == [photo.id]
    assert page.photos.liked == {photo.id}
    assert service.profile_view(ann.id, "bob").following is False
