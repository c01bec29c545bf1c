"""Turn models into the JSON shapes the API contract promises.

Every id also travels as a string (`id_str`, `user_id_str`, `next_str`): lab 08's 64-bit ids
are larger than 2**53, where JavaScript's numbers start rounding them to a neighbour's id.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from photoapp.models import FeedPage, Photo, Profile, User


def user_json(user: User) -> dict[str, Any]:
    """A user as JSON, without the password hash."""
    return {"id": user.id, "id_str": str(user.id), "username": user.username,
            "created_at": user.created_at.isoformat()}


def photo_json(photo: Photo, liked: bool | None = None) -> dict[str, Any]:
    """A photo as JSON, with the URLs of its image and thumbnail."""
    data: dict[str, Any] = {
        "id": photo.id,
        "id_str": str(photo.id),
        "user_id": photo.user_id,
        "user_id_str": str(photo.user_id),
        "username": photo.username,
        "caption": photo.caption,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "like_count": photo.like_count,
        "created_at": photo.created_at.isoformat(),
        "image_url": url_for("api.photo_image", photo_id=photo.id),
        "thumbnail_url": url_for("api.photo_thumbnail", photo_id=photo.id),
    }
    if liked is not None:
        data["liked"] = liked
    return data


def page_json(page: FeedPage, liked_ids: set[int]) -> dict[str, Any]:
    """A feed page as {photos, next}."""
    return {
        "photos": [photo_json(p, p.id in liked_ids) for p in page.photos],
        "next": page.next_before,
        "next_str": None if page.next_before is None else str(page.next_before),
    }


def profile_json(profile: Profile, following: bool | None) -> dict[str, Any]:
    """A profile as JSON with its counts."""
    data = {
        "user": user_json(profile.user),
        "photo_count": profile.photo_count,
        "follower_count": profile.follower_count,
        "following_count": profile.following_count,
    }
    if following is not None:
        data["following"] = following
    return data
