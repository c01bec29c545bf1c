"""The JSON API: the contract that tests, graders and load scenarios rely on."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from photoapp.errors import InvalidInput
from photoapp.web.context import api_user_id, cursor_args, service, token_signer
from photoapp.web.serializers import page_json, photo_json, profile_json, user_json

bp = Blueprint("api", __name__, url_prefix="/api")

Json = tuple[dict[str, Any], int]


def _credentials() -> tuple[str, str]:
    """Read {username, password} from a JSON body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object {username, password}")
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("username and password are required strings")
    return username, password


@bp.post("/register")
def register() -> Json:
    """Create an account and return a token for it."""
    user = service().register(*_credentials())
    return {"token": token_signer().issue(user.id), "user": user_json(user)}, 201


@bp.post("/login")
def login() -> Json:
    """Check a password and return a token."""
    user = service().authenticate(*_credentials())
    return {"token": token_signer().issue(user.id), "user": user_json(user)}, 200


@bp.post("/photos")
def upload() -> Json:
    """Upload a photo from multipart field `file` with an optional `caption`."""
    user_id = api_user_id()
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("multipart field 'file' is required")
    photo = service().upload(user_id, upload.read(), request.form.get("caption", ""))
    return photo_json(photo, liked=False), 201


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int) -> Json:
    """Return one photo."""
    view = service().photo_view(api_user_id(), photo_id)
    return photo_json(view.photo, view.liked), 200


@bp.delete("/photos/<int:photo_id>")
def delete_photo(photo_id: int) -> Json:
    """Delete one of your own photos."""
    service().delete_photo(api_user_id(), photo_id)
    return {"deleted": photo_id}, 200


@bp.get("/photos/<int:photo_id>/image")
def photo_image(photo_id: int) -> Response:
    """Send the full image bytes."""
    image = service().image(photo_id)
    return Response(image.data, content_type=image.content_type)


@bp.get("/photos/<int:photo_id>/thumbnail")
def photo_thumbnail(photo_id: int) -> Response:
    """Send the thumbnail bytes."""
    image = service().image(photo_id, thumbnail=True)
    return Response(image.data, content_type=image.content_type)


@bp.get("/feed")
def feed() -> Json:
    """Return a page of the caller's feed: ?before=<id>&limit=<n>."""
    view = service().feed_view(api_user_id(), *cursor_args())
    return page_json(view.page, view.liked), 200


@bp.get("/users/<username>")
def profile(username: str) -> Json:
    """Return a user's profile with counts."""
    view = service().profile_view(api_user_id(), username)
    return profile_json(view.profile, view.following), 200


@bp.get("/users/<username>/photos")
def user_photos(username: str) -> Json:
    """Return a page of one user's photos."""
    view = service().user_photos_view(api_user_id(), username, *cursor_args())
    return page_json(view.page, view.liked), 200


@bp.post("/users/<username>/follow")
def follow(username: str) -> Json:
    """Follow a user."""
    service().follow(api_user_id(), username)
    return {"following": True}, 200


@bp.delete("/users/<username>/follow")
def unfollow(username: str) -> Json:
    """Unfollow a user."""
    service().unfollow(api_user_id(), username)
    return {"following": False}, 200


@bp.post("/photos/<int:photo_id>/like")
def like(photo_id: int) -> Json:
    """Like a photo."""
    return photo_json(service().like(api_user_id(), photo_id), liked=True), 200


@bp.delete("/photos/<int:photo_id>/like")
def unlike(photo_id: int) -> Json:
    """Take a like back."""
    return photo_json(service().unlike(api_user_id(), photo_id), liked=False), 200
