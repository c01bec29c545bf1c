"""The use cases: register, log in, upload, follow, like, feed. Written against ports only."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from photoapp.auth import hash_password, password_matches
from photoapp.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from photoapp.models import FeedPage, NewPhoto, Photo, ProcessedImage, Profile, User
from photoapp.ports import BlobStore, PhotoOwners, Repository

USERNAME_PATTERN = re.compile(r"^[a-z0-9_]{3,30}$")
MIN_PASSWORD_LENGTH = 8
MAX_CAPTION_LENGTH = 500
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50

ImageProcessor = Callable[[bytes], ProcessedImage]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredImage:
    """Image bytes ready to send, with their content type."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class PhotoView:
    """What a photo's page shows: the photo, and whether the viewer liked it."""

    photo: Photo
    liked: bool


@dataclass(frozen=True)
class PageView:
    """What a page of photos shows: the photos, and which of them the viewer liked."""

    page: FeedPage
    liked: set[int]


@dataclass(frozen=True)
class ProfileView:
    """What a profile shows: the counts, and whether the viewer follows that user."""

    profile: Profile
    following: bool


@dataclass(frozen=True)
class ProfilePage:
    """A profile page: the profile, a page of its photos and which of them the viewer liked."""

    profile: ProfileView
    photos: PageView


class PhotoService:
    """Every use case of the app; views call exactly one method per request.

    One call per request makes each page one use case, which lab 05 caches as a whole. The
    owners map (lab 05) answers "who owns this photo?" without the database; without one, the
    repository answers.
    """

    def __init__(self, repo: Repository, blobs: BlobStore, process_image: ImageProcessor,
                 owners: PhotoOwners | None = None) -> None:
        self.repo = repo
        self.blobs = blobs
        self.process_image = process_image
        self.owners = owners

    def register(self, username: str, password: str) -> User:
        """Create an account; usernames are 3-30 of a-z, 0-9 and _."""
        username = username.strip().lower()
        if not USERNAME_PATTERN.match(username):
            raise InvalidInput("username must be 3-30 characters of a-z, 0-9 and _")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
        if self.repo.get_user_by_username(username):
            raise Conflict(f"username {username!r} is taken")
        return self.repo.create_user(username, hash_password(password))

    def authenticate(self, username: str, password: str) -> User:
        """Return the user whose password matches, or raise Unauthorized."""
        user = self.repo.get_user_by_username(username.strip().lower())
        if user is None or not password_matches(user.password_hash, password):
            raise Unauthorized("wrong username or password")
        return user

    def find_user(self, user_id: int) -> User | None:
        """Return a user by id, or None if there is none."""
        return self.repo.get_user(user_id)

    def upload(self, user_id: int, data: bytes, caption: str) -> Photo:
        """Validate and store an image, then record it; sweep the blobs if recording fails."""
        if not data:
            raise InvalidInput("no file uploaded")
        if len(caption) > MAX_CAPTION_LENGTH:
            raise InvalidInput(f"caption is longer than {MAX_CAPTION_LENGTH} characters")
        processed = self.process_image(data)
        stem = secrets.token_hex(16)  # generated key: never the user's filename
        image_key = f"photos/{stem}.{processed.extension}"
        thumbnail_key = f"thumbs/{stem}.{processed.extension}"
        self.blobs.put(image_key, processed.image, processed.content_type)
        self.blobs.put(thumbnail_key, processed.thumbnail, processed.content_type)
        new_photo = NewPhoto(
            user_id, caption.strip(), image_key, thumbnail_key,
            processed.content_type, processed.width, processed.height,
        )
        try:
            photo = self.repo.add_photo(new_photo)
        except Exception:
            self._delete_blobs(image_key, thumbnail_key)
            raise
        self._remember_owner(photo.id, photo.user_id)
        return photo

    def get_photo(self, photo_id: int) -> Photo:
        """Return a photo or raise NotFound."""
        photo = self.repo.get_photo(photo_id)
        if photo is None:
            raise NotFound(f"no photo {photo_id}")
        return photo

    def photo_view(self, user_id: int, photo_id: int) -> PhotoView:
        """Return a photo and whether the user liked it, or raise NotFound."""
        photo = self.get_photo(photo_id)
        return PhotoView(photo, photo_id in self.repo.liked_photo_ids(user_id, [photo_id]))

    def delete_photo(self, user_id: int, photo_id: int) -> None:
        """Delete one of the user's own photos, its likes and its files."""
        owner = self.owner_of(photo_id)
        if owner != user_id:  # refused before the photo's row is read
            raise Forbidden("you can only delete your own photos")
        photo = self.get_photo(photo_id)
        if photo.user_id != user_id:  # the map is a copy: the row has the last word
            raise Forbidden("you can only delete your own photos")
        self.repo.delete_photo(photo_id)
        if self.owners is not None:
            with contextlib.suppress(Exception):  # a stale entry is harmless: ids are not reused
                self.owners.forget(photo_id)
        self._delete_blobs(photo.image_key, photo.thumbnail_key)

    def owner_of(self, photo_id: int) -> int:
        """Return the id of the photo's owner, from the owners map when it knows, or NotFound."""
        if self.owners is not None:
            try:
                owner = self.owners.owner_of(photo_id)
            except Exception as error:  # the map is an optimisation: never fail a request on it
                log.warning("photo owners map unavailable (%s): asking the repository", error)
                owner = None
            if owner is not None:
                return owner
        photo = self.get_photo(photo_id)
        self._remember_owner(photo.id, photo.user_id)
        return photo.user_id

    def media(self, key: str) -> StoredImage:
        """Return a stored file by key, typed by its generated extension."""
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        return StoredImage(self.blobs.get(key), content_type)

    def image(self, photo_id: int, thumbnail: bool = False) -> StoredImage:
        """Return a photo's full image or thumbnail bytes."""
        photo = self.get_photo(photo_id)
        key = photo.thumbnail_key if thumbnail else photo.image_key
        return StoredImage(self.blobs.get(key), photo.content_type)

    def feed(self, user_id: int, before: int | None = None, limit: int | None = None) -> FeedPage:
        """Return the user's feed page: their photos and their followees', newest first."""
        return self.repo.feed(user_id, before, _page_size(limit))

    def feed_view(self, user_id: int, before: int | None = None,
                  limit: int | None = None) -> PageView:
        """Return the user's feed page and which of its photos they liked."""
        return self._page_view(user_id, self.feed(user_id, before, limit))

    def profile(self, username: str) -> Profile:
        """Return a user's profile with counts, or raise NotFound."""
        user = self._user_named(username)
        profile = self.repo.profile(user.id)
        if profile is None:
            raise NotFound(f"no user {username!r}")
        return profile

    def user_photos(self, username: str, before: int | None = None,
                    limit: int | None = None) -> FeedPage:
        """Return one page of a user's photos, newest first."""
        return self.repo.user_photos(self._user_named(username).id, before, _page_size(limit))

    def user_photos_view(self, user_id: int, username: str, before: int | None = None,
                         limit: int | None = None) -> PageView:
        """Return a page of a user's photos and which of them the viewer liked."""
        return self._page_view(user_id, self.user_photos(username, before, limit))

    def profile_view(self, user_id: int, username: str) -> ProfileView:
        """Return a profile and whether the viewer follows that user, or raise NotFound."""
        user = self._user_named(username)
        profile = self.repo.profile(user.id)
        if profile is None:
            raise NotFound(f"no user {username!r}")
        return ProfileView(profile, self.repo.is_following(user_id, user.id))

    def profile_page(self, user_id: int, username: str, before: int | None = None,
                     limit: int | None = None) -> ProfilePage:
        """Return a profile with one page of its photos, as the profile page shows it."""
        view = self.profile_view(user_id, username)
        page = self.repo.user_photos(view.profile.user.id, before, _page_size(limit))
        return ProfilePage(view, self._page_view(user_id, page))

    def follow(self, user_id: int, username: str) -> bool:
        """Follow a user by name; return False if already following."""
        followee = self._user_named(username)
        if followee.id == user_id:
            raise InvalidInput("you cannot follow yourself")
        return self.repo.follow(user_id, followee.id)

    def unfollow(self, user_id: int, username: str) -> bool:
        """Unfollow a user by name; return False if not following."""
        return self.repo.unfollow(user_id, self._user_named(username).id)

    def is_following(self, user_id: int, username: str) -> bool:
        """Tell whether the user follows the named user."""
        return self.repo.is_following(user_id, self._user_named(username).id)

    def like(self, user_id: int, photo_id: int) -> Photo:
        """Like a photo (twice is the same as once) and return it with its new count."""
        self.get_photo(photo_id)
        self.repo.like(user_id, photo_id)
        return self.get_photo(photo_id)

    def unlike(self, user_id: int, photo_id: int) -> Photo:
        """Remove a like and return the photo with its new count."""
        self.get_photo(photo_id)
        self.repo.unlike(user_id, photo_id)
        return self.get_photo(photo_id)

    def liked_photo_ids(self, user_id: int, photos: list[Photo]) -> set[int]:
        """Return which of these photos the user has liked."""
        return self.repo.liked_photo_ids(user_id, [p.id for p in photos]) if photos else set()

    def _page_view(self, user_id: int, page: FeedPage) -> PageView:
        """Pair a page with the ids of its photos the user liked."""
        return PageView(page, self.liked_photo_ids(user_id, page.photos))

    def _remember_owner(self, photo_id: int, user_id: int) -> None:
        """Put a photo's owner in the map, best effort: the repository can always answer."""
        if self.owners is None:
            return
        try:
            self.owners.set_owners({photo_id: user_id})
        except Exception as error:
            log.warning("photo owners map unavailable (%s): photo %s not recorded", error, photo_id)

    def _user_named(self, username: str) -> User:
        """Return the user with this name or raise NotFound."""
        user = self.repo.get_user_by_username(username.strip().lower())
        if user is None:
            raise NotFound(f"no user {username!r}")
        return user

    def _delete_blobs(self, *keys: str) -> None:
        """Remove files whose row is gone; a failure here must not hide the real error."""
        for key in keys:
            with contextlib.suppress(Exception):  # best effort: an orphan file is harmless
                self.blobs.delete(key)


def _page_size(limit: int | None) -> int:
    """Clamp a requested page size to 1..MAX_PAGE_SIZE."""
    if limit is None:
        return DEFAULT_PAGE_SIZE
    if limit < 1:
        raise InvalidInput("limit must be at least 1")
    return min(limit, MAX_PAGE_SIZE)
