"""Plain data the ports exchange: users, photos, profiles and feed pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class User:
    """A registered account; the password hash never leaves the repository layer's callers."""

    id: int
    username: str
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class Photo:
    """One uploaded photo: its blob keys, caption and like count."""

    id: int
    user_id: int
    username: str
    caption: str
    image_key: str
    thumbnail_key: str
    content_type: str
    width: int
    height: int
    created_at: datetime
    like_count: int = 0


@dataclass(frozen=True)
class Profile:
    """A user's public page: counts of photos, followers and followings."""

    user: User
    photo_count: int
    follower_count: int
    following_count: int


@dataclass(frozen=True)
class FeedPage:
    """One page of a feed, newest first; `next_before` is the cursor for the next page."""

    photos: list[Photo] = field(default_factory=list)
    next_before: int | None = None


@dataclass(frozen=True)
class NewPhoto:
    """What the repository needs to store a photo; the id comes from the repository."""

    user_id: int
    caption: str
    image_key: str
    thumbnail_key: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """An upload after validation: re-encoded full image and thumbnail, EXIF gone."""

    image: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int
